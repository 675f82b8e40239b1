"""
Extracting a `.tar.gz` checkpoint without letting any member land outside the target directory
(CVE-2007-4559: `tarfile.extractall` follows `../`, absolute names and links).
"""

import os
import tarfile
from pathlib import Path

from allennlp.common.checks import ConfigurationError


def _check_member(archive: Path, member: tarfile.TarInfo, destination: Path) -> None:
    def refuse(why: str) -> ConfigurationError:
        return ConfigurationError(
            f"Refusing to extract archive '{archive}': member '{member.name}' {why}. "
            f"Nothing was extracted."
        )

    if os.path.isabs(member.name) or member.name.startswith(("/", "\\")):
        raise refuse("has an absolute path")
    target = (destination / member.name).resolve()
    if not target.is_relative_to(destination):
        raise refuse("would be written outside the extraction directory")
    if member.issym() or member.islnk():
        link = member.linkname
        if os.path.isabs(link):
            raise refuse(f"is a link to the absolute path '{link}'")
        base = target.parent if member.issym() else destination
        if not (base / link).resolve().is_relative_to(destination):
            raise refuse(f"is a link that points outside the extraction directory ('{link}')")
    elif not (member.isfile() or member.isdir()):
        raise refuse("is a device, FIFO or other special file")


def safe_extract_tar(archive: Path, destination: Path) -> None:
    """
    Extracts `archive` into `destination`, after checking every member: no absolute names, no
    member or link target outside `destination`, no special files. Extraction also runs under
    Python's `"data"` filter as a second line of defence. Raises `ConfigurationError` naming
    the archive and the offending member; in that case nothing is written.
    """
    destination = destination.resolve()
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(archive, member, destination)
            tar.extractall(destination, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ConfigurationError(f"Could not read archive '{archive}': {error}")
