"""
Special-token strings typed in text, through the real `allennlp train` and `allennlp predict`:
text is text (`special_tokens_in_text: "split"`), and with the 0.9 behaviour (`"keep"`) a text of
too many segments fails alone, with an error naming the type id, not torch's `IndexError`.
"""

import json
from pathlib import Path

import pytest

from tests.cli import FIXTURE_CONFIG, assert_archive_predicts, predict_lines, train
from tests.paths import FIXTURES_ROOT

pytestmark = pytest.mark.slow

SEVEN_LINES = [
    json.dumps({"text": text, "id": number})
    for number, text in enumerate(
        [
            "I love this movie !",
            "a dull , boring plot",
            "the acting was great",
            "great [SEP] movie [SEP] boring [SEP] plot",
            "a very good film",
            "[CLS] I hate this [MASK] . [PAD]",
            "the plot was fun",
        ],
        start=1,
    )
]
KEEP = json.dumps({"dataset_reader.special_tokens_in_text": "keep"})


@pytest.mark.parametrize("batch_size", ["8", "1"])
def test_seven_lines_with_typed_separators_give_seven_predictions(
    trained_archive, tmp_path, batch_size
):
    archive = trained_archive(Path(FIXTURE_CONFIG))
    outputs, result = predict_lines(archive, SEVEN_LINES, tmp_path, "--batch-size", batch_size)
    assert result.returncode == 0
    assert [output.get("id") for output in outputs] == list(range(1, 8))
    assert all(output["label"] in {"pos", "neg"} and "error" not in output for output in outputs)
    assert "IndexError" not in result.stderr


@pytest.mark.parametrize("batch_size", ["8", "1"])
def test_with_the_0_9_behaviour_only_the_line_of_four_segments_fails(
    trained_archive, tmp_path, batch_size
):
    archive = trained_archive(Path(FIXTURE_CONFIG))
    outputs, result = predict_lines(
        archive, SEVEN_LINES, tmp_path, "--batch-size", batch_size, "-o", KEEP
    )
    assert result.returncode == 0
    assert len(outputs) == 7
    assert set(outputs[3]) == {"error", "input_line", "id"}
    assert outputs[3]["input_line"] == 4
    assert (
        "the model could not predict this input (ConfigurationError: Type id 3 is outside this "
        "BERT's token-type table (type_vocab_size 2)" in outputs[3]["error"]
    )
    for output in outputs[:3] + outputs[4:]:
        assert output["label"] in {"pos", "neg"} and "error" not in output


def training_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    lines = (FIXTURES_ROOT / "data" / "train.jsonl").read_text().splitlines()
    line = {"text": "great [SEP] movie [SEP] boring [SEP] plot", "label": "neg"}
    lines.insert(3, json.dumps(line))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_training_on_a_file_with_a_multi_separator_line(tmp_path):
    run = tmp_path / "run"
    train(run, overrides={"train_data_path": str(training_file(tmp_path))})
    assert_archive_predicts(run, tmp_path)


def test_with_the_0_9_behaviour_training_on_it_names_the_type_id(tmp_path):
    result = train(
        tmp_path / "run",
        overrides={
            "train_data_path": str(training_file(tmp_path)),
            "dataset_reader.special_tokens_in_text": "keep",
        },
        check=False,
    )
    assert result.returncode != 0
    assert (
        "allennlp.common.checks.ConfigurationError: Type id 3 is outside this BERT's token-type "
        "table (type_vocab_size 2)" in result.stderr
    )
    assert "IndexError" not in result.stderr
