"""
From a raw RFC 822 message to the text the classifier sees: the subject, a newline and the
readable body (text/plain parts as they are, text/html parts turned into text, attachments and
other parts skipped), each part decoded with its charset, whitespace normalized, cut at
`MAX_TEXT_CHARS` characters.
"""

import re
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import Message
from html.parser import HTMLParser
from typing import List, Optional, Sequence, Tuple

MAX_TEXT_CHARS = 5000


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
    """The visible text of `markup`: scripts and styles dropped, a line break per block tag."""
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
