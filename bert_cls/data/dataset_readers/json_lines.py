"""
Reading and checking JSON-lines classification data, shared by the plugin's dataset readers.

Each problem with a data file is reported as a `JsonLinesError` naming the file, the line (counted
from 1, blank lines included) and what is wrong, instead of a bare `KeyError` or
`JSONDecodeError` from deep inside the reader.
"""

import json
import logging
import math
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path

from bert_cls.common.json_types import json_type_name

logger = logging.getLogger(__name__)

Label = Union[str, int]


class JsonLinesError(ConfigurationError, ValueError):
    """
    A data file that cannot be read as JSON-lines classification data. It is a
    `ConfigurationError` (what AllenNLP raises for bad input it is given) and a `ValueError`.
    """


class JsonLine(NamedTuple):
    """One checked line: its file and number, the texts by key, and the label (`None` if absent)."""

    file_path: str
    number: int
    texts: Dict[str, str]
    label: Optional[Label]

    def error(self, problem: str) -> JsonLinesError:
        return line_error(self.file_path, self.number, problem)


def line_error(file_path: str, number: int, problem: str) -> JsonLinesError:
    return JsonLinesError(f"{file_path}, line {number}: {problem}")


def quoted(keys: Iterable[str]) -> str:
    return ", ".join(repr(key) for key in keys) or "none"


def read_numbered_lines(file_path: str) -> List[Tuple[int, str]]:
    """
    The non-blank lines of a UTF-8 file (a URL or anything else `cached_path` takes) with their
    numbers, counted from 1 with blank lines included. Raises `JsonLinesError` on bytes that are
    not UTF-8 and when the file has no non-blank line. A UTF-8 byte order mark is ignored.
    """
    with open(cached_path(file_path), "rb") as data_file:
        content = data_file.read()
    numbered = []
    # Only "\n" (and "\r\n") end a line: JSON strings may hold other line separators, such as
    # U+2028, unescaped.
    for number, raw in enumerate(content.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            bad = raw[error.start : error.end].hex(" ")
            raise line_error(
                file_path,
                number,
                f"is not valid UTF-8 (bytes {bad} at byte {error.start + 1} of the line).",
            ) from error
        if line.strip():
            numbered.append((number, line))
    if not numbered:
        raise JsonLinesError(
            f"{file_path} has no data: it is empty or holds only blank lines; expected one JSON "
            "object a line."
        )
    return numbered


class JsonLinesChecker:
    """
    Parses and checks the lines of a JSON-lines classification file: each non-blank line must be a
    JSON object holding a non-empty string under each of `text_keys` and, if `require_labels`, a
    label under `label_key`. Keys that are neither these nor in `ignored_keys` are reported in one
    warning per file.

    # Parameters

    text_keys : `Sequence[str]`
        The keys of the texts each line must have.
    label_key : `str`
        The key of the label.
    require_labels : `bool`
        Whether a line without a label (the key missing, or `null`) is an error. If not, its label
        is `None`.
    skip_label_indexing : `bool`
        Whether labels must be integers from 0 (as `int`s, or strings or numbers holding one).
        Otherwise a label is any JSON string, number or boolean, turned into a string, with
        surrounding whitespace stripped (`"pos "` is `"pos"`).
    ignored_keys : `Iterable[str]`
        Further keys a line may have, silently ignored.
    """

    def __init__(
        self,
        text_keys: Sequence[str],
        label_key: str,
        require_labels: bool,
        skip_label_indexing: bool,
        ignored_keys: Iterable[str],
    ) -> None:
        self.text_keys = list(text_keys)
        self.label_key = label_key
        self.require_labels = require_labels
        self.skip_label_indexing = skip_label_indexing
        self.known_keys = set(self.text_keys) | {label_key} | set(ignored_keys)
        self._files_warned_about: Set[str] = set()
        self._files_warned_about_labels: Set[str] = set()

    def read(
        self,
        file_path: str,
        shard: Callable[[Iterable[Tuple[int, str]]], Iterable[Tuple[int, str]]] = iter,
    ) -> Iterator[JsonLine]:
        """
        Checks and yields the lines of `file_path`. `shard` (a reader's `shard_iterable`) picks
        the numbered lines this worker reads; only those are parsed.
        """
        file_path = str(file_path)
        spellings = LabelSpellings()
        for number, line in shard(read_numbered_lines(file_path)):
            yield self.check(file_path, number, line, spellings)
        if file_path not in self._files_warned_about_labels:
            if spellings.warn_about_look_alikes(file_path):
                self._files_warned_about_labels.add(file_path)

    def check(
        self,
        file_path: str,
        number: int,
        line: str,
        spellings: Optional["LabelSpellings"] = None,
    ) -> JsonLine:
        """
        The checked line `number` of `file_path`; raises `JsonLinesError` naming them. Its label
        is recorded in `spellings` when given.
        """
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise line_error(
                file_path, number, f"is not valid JSON: {error.msg} (column {error.colno})."
            ) from error
        if not isinstance(item, dict):
            raise line_error(
                file_path, number, f"is {json_type_name(item)}, not a JSON object with a text."
            )
        texts = {key: self._text(file_path, number, item, key) for key in self.text_keys}
        label = self._label(file_path, number, item)
        if spellings is not None and label is not None and not self.skip_label_indexing:
            spellings.add(str(item[self.label_key]), number)
        unknown = [key for key in item if key not in self.known_keys]
        if unknown and file_path not in self._files_warned_about:
            self._files_warned_about.add(file_path)
            logger.warning(
                "%s, line %d: ignoring unknown key%s %s (known: %s). Add them to the reader's "
                "ignored_keys to silence this warning, given once a file.",
                file_path,
                number,
                "s" if len(unknown) > 1 else "",
                quoted(unknown),
                quoted(sorted(self.known_keys)),
            )
        return JsonLine(file_path, number, texts, label)

    def _text(self, file_path: str, number: int, item: Dict[str, Any], key: str) -> str:
        if key not in item:
            raise line_error(
                file_path, number, f"has no {key!r} key (keys present: {quoted(item)})."
            )
        text = item[key]
        if not isinstance(text, str):
            raise line_error(file_path, number, f"{key!r} is {json_type_name(text)}, not a string.")
        if not text.strip():
            what = "empty" if not text else "only whitespace"
            raise line_error(file_path, number, f"{key!r} is {what}; there is nothing to classify.")
        return text

    def _label(self, file_path: str, number: int, item: Dict[str, Any]) -> Optional[Label]:
        key = self.label_key
        label = item.get(key)
        if label is None:
            if not self.require_labels:
                return None
            problem = f"{key!r} is null" if key in item else f"has no {key!r} key"
            raise line_error(
                file_path,
                number,
                f"{problem}, but the reader requires labels (keys present: {quoted(item)}). Set "
                "require_labels to false to read unlabelled data.",
            )
        if isinstance(label, (dict, list)):
            raise line_error(
                file_path, number, f"label {key!r} is {json_type_name(label)}, not a single label."
            )
        if self.skip_label_indexing:
            integer = _as_integer(label)
            if integer is None or integer < 0:
                raise line_error(
                    file_path,
                    number,
                    f"label {key!r} is {label!r}, but skip_label_indexing needs integer labels "
                    "from 0 (the index of the class).",
                )
            return integer
        if isinstance(label, str) and not label.strip():
            raise line_error(file_path, number, f"label {key!r} is an empty string.")
        return str(label).strip()


class LabelSpellings:
    """
    The label spellings of one file (each as the JSON value's `str`, before stripping) with the
    first line of each, to find labels that differ only by surrounding whitespace, case or the
    spelling of a number.
    """

    def __init__(self) -> None:
        # look_alike_key -> spelling -> its first line
        self._first_lines: Dict[str, Dict[str, int]] = {}

    def add(self, spelling: str, number: int) -> None:
        self._first_lines.setdefault(look_alike_key(spelling), {}).setdefault(spelling, number)

    def look_alikes(self) -> List[Dict[str, int]]:
        """The groups of two or more spellings that look alike, each spelling with a line."""
        return [group for group in self._first_lines.values() if len(group) > 1]

    def warn_about_look_alikes(self, file_path: str) -> bool:
        """Logs one warning about the look-alike labels of `file_path`; whether there were any."""
        groups = self.look_alikes()
        if not groups:
            return False
        described = []
        for group in groups:
            spellings = " and ".join(f"{spelling!r} (line {n})" for spelling, n in group.items())
            labels = sorted({spelling.strip() for spelling in group})
            if len(labels) == 1:
                described.append(
                    f"{spellings} are read as one label, {labels[0]!r} (surrounding whitespace "
                    "is stripped)"
                )
            else:
                described.append(f"{spellings} are {len(labels)} different labels")
        logger.warning(
            "%s: labels differ only by surrounding whitespace, case or the spelling of a number: "
            "%s. If they mean one class, write them alike. This warning is given once a file.",
            file_path,
            "; ".join(described),
        )
        return True


def look_alike_key(label: str) -> str:
    """
    What `label` is once surrounding whitespace, case and the spelling of a number are ignored:
    `" Pos"` and `"pos"` give one key, `"1"`, `"1.0"` and `"01"` another.
    """
    stripped = label.strip()
    try:
        number = float(stripped)
    except ValueError:
        return stripped.casefold()
    return f"number {number!r}" if math.isfinite(number) else stripped.casefold()


def _as_integer(label: Any) -> Optional[int]:
    if isinstance(label, bool):
        return None
    if isinstance(label, int):
        return label
    if isinstance(label, float):
        return int(label) if label.is_integer() else None
    try:
        return int(label)
    except (TypeError, ValueError):
        return None
