"""`parse_line` and `error_record_for`: one bad prediction input line fails only itself."""

import logging

import pytest
from allennlp.common.checks import ConfigurationError

from bert_cls.predictors.error_records import (
    EXCERPT_LENGTH,
    BadPredictionInput,
    ErrorRecord,
    NumberedInput,
    error_record_for,
    excerpt,
    parse_line,
)


def test_a_json_object_comes_back_with_its_line_number():
    parsed = parse_line('{"text": "a good film", "id": 4}\n', 7)
    assert isinstance(parsed, NumberedInput)
    assert parsed == {"text": "a good film", "id": 4}
    assert parsed.input_line == 7


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": ', "line is not valid JSON (Expecting value at column 10): '{\"text\":'"),
        ('["a"]', "line must be a JSON object with a 'sentence' or 'text' key, got an array"),
        ("null", "line must be a JSON object with a 'sentence' or 'text' key, got null"),
        ('{"text": "caf\udce9"}', "line is not valid UTF-8 (byte 0xe9 at column 14)"),
        ("[" * 100_000, "line is not valid JSON (RecursionError"),
    ],
)
def test_a_bad_line_comes_back_as_its_error_record_and_a_warning(line, message, caplog):
    with caplog.at_level(logging.WARNING):
        record = parse_line(line, 3)
    assert isinstance(record, ErrorRecord)
    assert set(record) == {"error", "input_line"}
    assert record["error"].startswith(message)
    assert record["input_line"] == 3
    assert "Prediction input line 3 is bad" in caplog.text


def test_excerpts_are_cut():
    assert excerpt("short") == "'short'"
    assert excerpt("x" * (EXCERPT_LENGTH + 5)) == repr("x" * EXCERPT_LENGTH + "...")


def test_a_problem_with_a_parsed_line_becomes_its_record():
    parsed = parse_line('{"text": 5}', 2)
    record = error_record_for(parsed, BadPredictionInput("'text' must be a string"))
    assert record == {"error": "'text' must be a string", "input_line": 2}
    other = error_record_for(parsed, IndexError("list index out of range"))
    assert other == {"error": "IndexError: list index out of range", "input_line": 2}


def test_problems_that_are_not_the_lines_are_left_to_raise():
    parsed = parse_line('{"text": "fine"}', 1)
    # The model's or the reader's configuration, not the line.
    assert error_record_for(parsed, ConfigurationError("bad config")) is None
    # An input given from Python rather than read from a line.
    assert error_record_for({"text": 5}, BadPredictionInput("'text' must be a string")) is None
