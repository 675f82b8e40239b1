import hashlib
import subprocess
from pathlib import Path

import pytest

from examples.text_classification import packages
from examples.text_classification.packages import (
    PackageError,
    PinnedPackage,
    default_cache_dir,
    fetch,
)

CONTENT = b"the pinned wheel"
PACKAGE = PinnedPackage(
    name="tiny-data",
    version="1.0",
    filename="tiny_data-1.0-py3-none-any.whl",
    sha256=hashlib.sha256(CONTENT).hexdigest(),
    pip_options=("--only-binary=:all:",),
    license="MIT",
)


class FakePip:
    """Stands in for `subprocess.run` of `pip download`: writes `content` into --dest."""

    def __init__(self, content: bytes = CONTENT, returncode: int = 0) -> None:
        self.content = content
        self.returncode = returncode
        self.commands = []

    def __call__(self, command, **kwargs):
        self.commands.append(command)
        if self.returncode == 0:
            destination = Path(command[command.index("--dest") + 1])
            (destination / PACKAGE.filename).write_bytes(self.content)
        return subprocess.CompletedProcess(command, self.returncode, "", "no such version")


def test_fetching_once_then_from_the_cache(tmp_path, monkeypatch):
    pip = FakePip()
    monkeypatch.setattr(packages.subprocess, "run", pip)
    path = fetch(PACKAGE, tmp_path)
    assert path == tmp_path / PACKAGE.filename and path.read_bytes() == CONTENT
    command = pip.commands[0]
    assert command[1:5] == ["-m", "pip", "download", "--no-deps"]
    assert command[-2:] == ["--only-binary=:all:", "tiny-data==1.0"]
    assert fetch(PACKAGE, tmp_path) == path
    assert len(pip.commands) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [PACKAGE.filename]


def test_a_cached_file_with_another_checksum_is_fetched_again(tmp_path, monkeypatch):
    pip = FakePip()
    monkeypatch.setattr(packages.subprocess, "run", pip)
    (tmp_path / PACKAGE.filename).write_bytes(b"truncated")
    assert fetch(PACKAGE, tmp_path).read_bytes() == CONTENT
    assert len(pip.commands) == 1


def test_a_different_file_from_the_registry_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(packages.subprocess, "run", FakePip(content=b"something else"))
    with pytest.raises(PackageError, match=f"has SHA256 .* but {PACKAGE.sha256} is pinned"):
        fetch(PACKAGE, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_pip_failure_says_what_pip_said(tmp_path, monkeypatch):
    monkeypatch.setattr(packages.subprocess, "run", FakePip(returncode=1))
    with pytest.raises(PackageError, match="failed \\(exit code 1\\):\nno such version"):
        fetch(PACKAGE, tmp_path)


def test_the_default_cache_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "bert_cls" / "packages"
