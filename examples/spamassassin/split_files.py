"""
The split on disk: one gzipped JSON-lines file per split (`train.jsonl.gz`, ...), one
`{"text", "label", "id"}` object per line, written byte-reproducibly, with their sha256 in
`SHA256SUMS`; and unpacking them, checksums verified, into the plain `.jsonl` files AllenNLP's
`text_classification_json` reader can open (it reads with a plain `open()`).
"""

import gzip
import hashlib
import json
import shutil
from pathlib import Path
from typing import Dict, Iterable, List

from examples.spamassassin.corpus import SPLITS, Email, SpamAssassinDataError

CHECKSUM_FILE = "SHA256SUMS"
SPLIT_SUFFIX = ".jsonl.gz"


def email_to_json_line(email: Email) -> str:
    # ASCII-only lines: the AllenNLP reader opens files in the locale's encoding.
    return json.dumps({"text": email.text, "label": email.label, "id": email.id}) + "\n"


def write_gzip_reproducibly(path: Path, content: bytes) -> None:
    """No file name and a zero timestamp in the gzip header, so equal content gives equal bytes."""
    with path.open("wb") as raw_file:
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=raw_file, mtime=0, compresslevel=9
        ) as gzip_file:
            gzip_file.write(content)


def write_split_file(path: Path, emails: Iterable[Email]) -> None:
    content = "".join(email_to_json_line(email) for email in emails)
    write_gzip_reproducibly(path, content.encode("utf-8"))


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def split_file_names() -> List[str]:
    return [name + SPLIT_SUFFIX for name in SPLITS]


def write_checksums(split_dir: Path) -> None:
    """Writes `SHA256SUMS` (the `sha256sum` format) for the split files in `split_dir`."""
    lines = [f"{sha256_of_file(split_dir / name)}  {name}\n" for name in split_file_names()]
    (split_dir / CHECKSUM_FILE).write_text("".join(lines), encoding="utf-8")


def read_checksums(split_dir: Path) -> Dict[str, str]:
    checksum_path = split_dir / CHECKSUM_FILE
    if not checksum_path.is_file():
        raise SpamAssassinDataError(f"checksum file {checksum_path} not found")
    checksums = {}
    for line in checksum_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            checksums[name.lstrip("*")] = digest
    return checksums


def verify_checksums(split_dir: Path) -> None:
    """Raises, naming the file, unless every split file matches its line in SHA256SUMS."""
    checksums = read_checksums(split_dir)
    for name in split_file_names():
        path = split_dir / name
        if name not in checksums:
            raise SpamAssassinDataError(f"{split_dir / CHECKSUM_FILE} has no line for {name}")
        if not path.is_file():
            raise SpamAssassinDataError(f"split file {path} not found")
        if sha256_of_file(path) != checksums[name]:
            raise SpamAssassinDataError(
                f"checksum mismatch for {path}: it is not the file listed in {CHECKSUM_FILE}; "
                f"rebuild or restore it"
            )


def unpack_split(src_dir: Path, dst_dir: Path) -> List[Path]:
    """
    Verifies the gzipped split in `src_dir` against its SHA256SUMS, then writes plain
    `train.jsonl`, `validation.jsonl` and `test.jsonl` into `dst_dir` for AllenNLP's reader.
    """
    src_dir, dst_dir = Path(src_dir), Path(dst_dir)
    verify_checksums(src_dir)
    dst_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for split in SPLITS:
        target = dst_dir / f"{split}.jsonl"
        with gzip.open(src_dir / (split + SPLIT_SUFFIX), "rb") as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        written.append(target)
    return written
