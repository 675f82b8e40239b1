"""
Reading and checking the body of a prediction request: its size, its JSON, its shape. Each
problem is a `RequestError` with the HTTP status and a message naming what is wrong.
"""

import json
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from allennlp.common.util import JsonDict

from bert_cls.common.json_types import json_type_name
from bert_cls.predictors.error_records import BadPredictionInput, excerpt

if TYPE_CHECKING:  # the web stack is imported by the app that serves, not by the checks
    from starlette.requests import Request

# The default limit on a request body's size, in bytes.
DEFAULT_MAX_BODY_BYTES = 1_000_000


class RequestError(Exception):
    """A request the server refuses, with its HTTP status and the message to send back."""

    def __init__(
        self, status_code: int, message: str, headers: Optional[Dict[str, str]] = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers


async def read_body(request: "Request", max_body_bytes: int) -> bytes:
    """
    The body of `request`. Raises `RequestError` 413 when it is longer than `max_body_bytes`
    (by its `Content-Length`, or by the bytes received), 400 when `Content-Length` is not a
    number.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            declared_length = int(declared)
        except ValueError:
            raise RequestError(400, f"Content-Length is not a number: {excerpt(declared)}")
        if declared_length > max_body_bytes:
            raise _too_large(f"{declared_length} bytes", max_body_bytes)
    chunks: List[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_body_bytes:
            raise _too_large(f"more than {max_body_bytes} bytes", max_body_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: str, max_body_bytes: int) -> RequestError:
    return RequestError(
        413, f"request body is {size}, over the server's limit of {max_body_bytes} bytes"
    )


def parse_json(body: bytes) -> Any:
    """`body` decoded as UTF-8 JSON; raises `RequestError` 400 saying why it is not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(
            400,
            f"request body is not valid UTF-8 (byte 0x{body[error.start]:02x} at position "
            f"{error.start + 1})",
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RequestError(
            400,
            f"request body is not valid JSON ({error.msg} at line {error.lineno} column "
            f"{error.colno}): {excerpt(text.strip())}",
        )
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        raise RequestError(
            400,
            f"request body is not valid JSON ({type(error).__name__}: {error}): "
            f"{excerpt(text.strip())}",
        )


def single_input(value: Any) -> JsonDict:
    """`value` as one prediction input; raises `RequestError` 400 unless it is a JSON object."""
    if not isinstance(value, dict):
        raise RequestError(
            400,
            f"request body must be a JSON object (one prediction input), got "
            f"{json_type_name(value)}: {excerpt(json.dumps(value))}",
        )
    return value


def batch_inputs(value: Any) -> List[Any]:
    """`value` as a list of prediction inputs; raises `RequestError` 400 unless it is an array."""
    if not isinstance(value, list):
        raise RequestError(
            400,
            f"request body must be a JSON array of prediction inputs (objects), got "
            f"{json_type_name(value)}: {excerpt(json.dumps(value))}",
        )
    return value


def not_an_object(value: Any, index: int) -> BadPredictionInput:
    """The error of item `index` (0-based) of a batch request that is not a JSON object."""
    return BadPredictionInput(
        f"input {index} must be a JSON object, got {json_type_name(value)}: "
        f"{excerpt(json.dumps(value))}"
    )
