"""Tests of `examples.spamassassin.email_text` on hand-written raw emails."""

import base64

from examples.spamassassin.email_text import email_to_text, html_to_text, normalize_whitespace

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
