"""Tests of `examples.spamassassin.split_files` on the shipped split: checksums and unpacking."""

import hashlib
import re
import shutil

import pytest

from examples.spamassassin.corpus import SpamAssassinDataError
from examples.spamassassin.split_files import unpack_split, verify_checksums
from tests.paths import SPAMASSASSIN_DATA as SHIPPED_DIR


def test_shipped_checksums_match():
    verify_checksums(SHIPPED_DIR)
    for line in (SHIPPED_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        assert hashlib.sha256((SHIPPED_DIR / name).read_bytes()).hexdigest() == digest


def test_unpacked_split_is_readable_by_allennlp(tmp_path, shipped):
    from allennlp.data.dataset_readers import TextClassificationJsonReader
    from allennlp.data.tokenizers import WhitespaceTokenizer

    written = unpack_split(SHIPPED_DIR, tmp_path)
    assert [path.name for path in written] == ["train.jsonl", "validation.jsonl", "test.jsonl"]
    reader = TextClassificationJsonReader(tokenizer=WhitespaceTokenizer())
    instances = list(reader.read(tmp_path / "validation.jsonl"))
    assert [instance["label"].label for instance in instances] == [
        row["label"] for row in shipped["validation"]
    ]


def test_unpack_refuses_a_corrupted_file(tmp_path):
    source = tmp_path / "split"
    shutil.copytree(SHIPPED_DIR, source)
    corrupted = bytearray((source / "test.jsonl.gz").read_bytes())
    corrupted[len(corrupted) // 2] ^= 0xFF
    (source / "test.jsonl.gz").write_bytes(bytes(corrupted))
    with pytest.raises(SpamAssassinDataError, match=re.escape(str(source / "test.jsonl.gz"))):
        unpack_split(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unpack_refuses_a_missing_checksum_file(tmp_path):
    source = tmp_path / "split"
    shutil.copytree(SHIPPED_DIR, source)
    (source / "SHA256SUMS").unlink()
    with pytest.raises(SpamAssassinDataError, match="SHA256SUMS"):
        unpack_split(source, tmp_path / "out")
