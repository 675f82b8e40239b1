"""
Per-line error records of the `bert_for_classification` predictor: one bad prediction input
fails only itself. `parse_line` turns an input line into the input or into its error record;
`error_record_for` turns a problem found later into the record of the line it came from.
"""

import json
import logging
from typing import Optional, Union

from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict

from bert_cls.common.json_types import json_type_name

logger = logging.getLogger(__name__)

# The most characters of a bad input quoted in its error message.
EXCERPT_LENGTH = 80


class BadPredictionInput(ConfigurationError, ValueError):
    """
    One prediction input the predictor cannot use: no text, text that is not a string, text with
    no words, a line that is not JSON or not UTF-8. A `ConfigurationError`, as AllenNLP's own
    input errors are, and a `ValueError`, because it is one.
    """


class NumberedInput(dict):
    """A JSON object parsed by `parse_line`, remembering which input line it came from."""

    input_line: int


class ErrorRecord(dict):
    """
    The error record written in a bad input line's place: `{"error": message, "input_line": n}`,
    plus the input's `"id"` when it had one.
    """


def excerpt(text: str) -> str:
    """`text`'s `repr`, cut to its first `EXCERPT_LENGTH` characters and `...` if longer."""
    return repr(text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "...")


def error_record(message: str, input_line: int) -> ErrorRecord:
    """The error record of input line `input_line` (1-based); also logged as a warning."""
    logger.warning(
        "Prediction input line %d is bad, writing an error record: %s", input_line, message
    )
    return ErrorRecord(error=message, input_line=input_line)


def parse_line(line: str, input_line: int) -> Union[NumberedInput, ErrorRecord]:
    """
    Parses input line number `input_line`: a JSON object comes back as a `NumberedInput`; a line
    that is not UTF-8 (undecodable bytes read with `errors="surrogateescape"` arrive as lone
    surrogates), not JSON, or JSON but not an object comes back as its `ErrorRecord`.
    """
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(line[error.start])
        is_byte = 0xDC80 <= code <= 0xDCFF
        what = f"byte 0x{code - 0xDC00:02x}" if is_byte else f"character {code:#x}"
        return error_record(
            f"line is not valid UTF-8 ({what} at column {error.start + 1})", input_line
        )
    try:
        inputs = json.loads(line)
    except json.JSONDecodeError as error:
        return error_record(
            f"line is not valid JSON ({error.msg} at column {error.pos + 1}): "
            f"{excerpt(line.strip())}",
            input_line,
        )
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        return error_record(
            f"line is not valid JSON ({type(error).__name__}: {error}): {excerpt(line.strip())}",
            input_line,
        )
    if not isinstance(inputs, dict):
        return error_record(
            f"line must be a JSON object with a 'sentence' or 'text' key, got "
            f"{json_type_name(inputs)}: {excerpt(line.strip())}",
            input_line,
        )
    numbered = NumberedInput(inputs)
    numbered.input_line = input_line
    return numbered


def error_record_for(inputs: JsonDict, error: Exception) -> Optional[ErrorRecord]:
    """
    The error record for `error`, raised while making an instance of `inputs`, when `inputs`
    came from `parse_line`. `None` when `error` is not the line's to
    record, and the caller should raise it: a problem with an input given from Python is the
    caller's, and a `ConfigurationError` other than `BadPredictionInput` is the model's or the
    reader's, not the line's.
    """
    input_line: Optional[int] = getattr(inputs, "input_line", None)
    if input_line is None or (
        isinstance(error, ConfigurationError) and not isinstance(error, BadPredictionInput)
    ):
        return None
    message = str(error)
    if not isinstance(error, BadPredictionInput):
        message = f"{type(error).__name__}: {error}"
    return error_record(message, input_line)
