import pytest

from bert_cls.serving.request_body import (
    RequestError,
    batch_inputs,
    not_an_object,
    parse_json,
    single_input,
)


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"text": "a",}', "request body is not valid JSON (Expecting property name enclosed in "),
        (
            b'{"text":\n  tru}',
            "not valid JSON (Expecting value at line 2 column 3): '{\"text\":\\n  tru}'",
        ),
        (b"\xc3\x28", "request body is not valid UTF-8 (byte 0xc3 at position 1)"),
        (b"[" * 100_000, "request body is not valid JSON (RecursionError: "),
    ],
)
def test_a_body_that_is_not_json_says_why(body, message):
    with pytest.raises(RequestError) as raised:
        parse_json(body)
    assert raised.value.status_code == 400
    assert message in raised.value.message


def test_json_values_of_the_wrong_shape_name_their_type():
    assert single_input(parse_json(b'{"text": "a"}')) == {"text": "a"}
    assert batch_inputs(parse_json(b'[{"text": "a"}, 1]')) == [{"text": "a"}, 1]
    with pytest.raises(RequestError, match="JSON object .* got null: 'null'"):
        single_input(None)
    with pytest.raises(RequestError, match="JSON array .* got a number: '7'"):
        batch_inputs(7)
    error = not_an_object(["x"], 3)
    assert isinstance(error, ValueError)
    assert str(error) == "input 3 must be a JSON object, got an array: '[\"x\"]'"
