"""
Bad prediction input through the real `allennlp predict` (default predictor, no `--predictor`):
each bad line gets an error record `{"error": ..., "input_line": N}` in its place, and the good
lines around it are predicted. See `BertForClassificationPredictor`'s docstring.
"""

import json
import time
from pathlib import Path

import pytest
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from bert_cls.predictors import BadPredictionInput
from tests.cli import allennlp, read_jsonl, train
from tests.cli import predict_lines as predict

pytestmark = pytest.mark.slow

GOOD_BEFORE = json.dumps({"text": "I love this movie !", "id": "before"})
GOOD_AFTER = json.dumps({"sentence": "a dull , boring plot", "id": "after"})

# (bad line, what its error must say)
BAD_LINES = {
    "malformed_json": ('{"text": "the plot", ', "line is not valid JSON (Expecting property name"),
    "json_array": (
        '["a", "b"]',
        "must be a JSON object with a 'sentence' or 'text' key, got an array",
    ),
    "json_string": (
        '"just text"',
        "must be a JSON object with a 'sentence' or 'text' key, got a string",
    ),
    "no_text_key": ('{"body": "hello"}', "needs a 'sentence' or 'text' key; got keys ['body']"),
    "number_text": ('{"text": 42}', "'text' must be a string, got a number ('42')"),
    "null_text": ('{"sentence": null}', "'sentence' must be a string, got null"),
    "array_text": ('{"text": ["a", "b"]}', "'text' must be a string, got an array"),
    "empty_text": ('{"text": ""}', "the text has no words"),
    "whitespace_text": ('{"text": " \\t\\n\\u00a0\\u3000 "}', "the text has no words"),
    "control_text": ('{"text": "\\u0000\\u0007\\u001b\\u200b\\ufeff"}', "the text has no words"),
    "control_line": ("\x00\x07\x1b", "line is not valid JSON (Expecting value at column 1)"),
    "nested_too_deep": ("[" * 100_000, "line is not valid JSON (RecursionError"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("bad_input") / "run"
    train(run)
    return run / "model.tar.gz"


def assert_prediction(output: dict, id_: str) -> None:
    assert output["id"] == id_
    assert output["label"] in {"pos", "neg"}
    assert "error" not in output


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_line_gets_an_error_record_and_predict_goes_on(archive, tmp_path, case):
    bad_line, message = BAD_LINES[case]
    # Batch size 2: the bad line shares a batch with a good one (predict_batch_json), and the
    # last line is a batch of its own (predict_json).
    outputs, result = predict(
        archive, [GOOD_BEFORE, bad_line, GOOD_AFTER], tmp_path, "--batch-size", "2"
    )
    assert len(outputs) == 3
    assert_prediction(outputs[0], "before")
    assert set(outputs[1]) == {"error", "input_line"}
    assert outputs[1]["input_line"] == 2
    assert message in outputs[1]["error"]
    assert_prediction(outputs[2], "after")
    # The log names the line too.
    assert "Prediction input line 2 is bad" in result.stderr


@pytest.mark.parametrize("batch_size", ["1", "4"])
def test_every_bad_line_in_one_file_and_blank_lines_are_not_counted(archive, tmp_path, batch_size):
    lines = [GOOD_BEFORE, "", "   "]
    for case in sorted(BAD_LINES):
        lines += [BAD_LINES[case][0], json.dumps({"text": f"good after {case}", "id": case})]
    outputs, _ = predict(archive, lines + [GOOD_AFTER], tmp_path, "--batch-size", batch_size)
    assert len(outputs) == 2 + 2 * len(BAD_LINES)
    assert_prediction(outputs[0], "before")
    for number, case in enumerate(sorted(BAD_LINES)):
        error, good = outputs[1 + 2 * number], outputs[2 + 2 * number]
        # AllenNLP skips the two blank lines before the predictor sees them: the bad line on
        # file line 4 + 2 * number is input line 2 + 2 * number.
        assert error["input_line"] == 2 + 2 * number
        assert BAD_LINES[case][1] in error["error"]
        assert_prediction(good, case)
    assert_prediction(outputs[-1], "after")


def test_error_record_keeps_the_inputs_id(archive, tmp_path):
    outputs, _ = predict(archive, [GOOD_BEFORE, '{"text": 3.5, "id": "x7"}'], tmp_path)
    assert outputs[1] == {
        "error": "'text' must be a string, got a number ('3.5')",
        "input_line": 2,
        "id": "x7",
    }


def test_not_utf8_on_stdin_gets_an_error_record(archive, tmp_path):
    data = (
        (GOOD_BEFORE + "\n").encode() + b'{"text": "caf\xe9 \xff"}\n' + (GOOD_AFTER + "\n").encode()
    )
    output = tmp_path / "output.jsonl"
    allennlp(
        ["predict", str(archive), "-", "--output-file", str(output), "--silent"],
        input=data,
        env={"PYTHONIOENCODING": "utf-8:surrogateescape"},
    )
    outputs = read_jsonl(output)
    assert len(outputs) == 3
    assert_prediction(outputs[0], "before")
    assert outputs[1] == {
        "error": "line is not valid UTF-8 (byte 0xe9 at column 14)",
        "input_line": 2,
    }
    assert_prediction(outputs[2], "after")


def test_not_utf8_in_a_file_stops_predict_after_the_lines_read_before_it(archive, tmp_path):
    """
    AllenNLP opens the input file as strict UTF-8: the bad byte stops `allennlp predict` with
    UnicodeDecodeError before the predictor sees the lines of the 8 KB chunk holding it (a
    documented limitation; stdin with surrogateescape gets error records, test above). What was
    predicted before that chunk is in the output file, in order.
    """
    inputs = tmp_path / "input.jsonl"
    with inputs.open("wb") as file:
        for number in range(500):
            file.write(json.dumps({"text": f"good line {number}", "id": number}).encode() + b"\n")
        file.write(b'{"text": "bad \xff byte"}\n')
        file.write((GOOD_AFTER + "\n").encode())
    output = tmp_path / "output.jsonl"
    result = allennlp(
        [
            "predict",
            str(archive),
            str(inputs),
            "--output-file",
            str(output),
            "--silent",
            "--batch-size",
            "8",
        ],
        check=False,
        text=True,
    )
    assert result.returncode != 0
    assert "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff" in result.stderr
    outputs = read_jsonl(output)
    assert 0 < len(outputs) < 500
    assert [output["id"] for output in outputs] == list(range(len(outputs)))
    assert all(output["label"] in {"pos", "neg"} for output in outputs)


def test_one_megabyte_text_is_truncated_and_predicted_quickly(archive, tmp_path):
    words = "the acting was great and the plot was fun , I love this movie ! "
    text = (words * (1_000_000 // len(words) + 1))[:1_000_000]
    line = json.dumps({"text": text, "id": "huge"})
    start = time.perf_counter()
    outputs, result = predict(
        archive, [GOOD_BEFORE, line, GOOD_AFTER], tmp_path, "--batch-size", "2"
    )
    elapsed = time.perf_counter() - start
    assert [output["id"] for output in outputs] == ["before", "huge", "after"]
    assert_prediction(outputs[1], "huge")
    assert "longer than max_pieces=64 wordpieces and was truncated" in result.stderr
    # About 5 s on 2 busy cores (model loading included); a limit that catches minutes.
    assert elapsed < 60, f"predict with a 1 MB text took {elapsed:.0f} s"


def test_from_python_a_bad_input_raises(archive):
    predictor = Predictor.from_archive(load_archive(str(archive)))
    with pytest.raises(BadPredictionInput, match="'text' must be a string, got null"):
        predictor.predict_json({"text": None})
    with pytest.raises(BadPredictionInput, match="the text has no words"):
        predictor.predict_batch_json([{"text": "good"}, {"text": "  "}])
    # A line given to load_line gets an error record instead, numbered from 1.
    assert predictor.predict_json(predictor.load_line("not json\n"))["input_line"] == 1
    assert predictor.predict_json(predictor.load_line('{"text": ""}\n')) == {
        "error": "the text has no words: it is empty or only whitespace and control characters",
        "input_line": 2,
    }
