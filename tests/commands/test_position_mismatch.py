"""
An indexer whose `max_pieces` exceeds the BERT's positions, through the real command line: the
example config without its `max_pieces` (so the indexer's default, 512) over the fixture BERT (64
positions). The indexer lowers `max_pieces` when it is built (at `allennlp train` start and at
archive load); the predictor does when the indexer could not see the BERT's config; the model
cuts the rows that still come too long (`allennlp evaluate` on such an archive).
"""

import json
import shutil
from pathlib import Path

import pytest

from tests.cli import allennlp, predict_lines, train
from tests.paths import CONFIGS_ROOT, FIXTURE_BERT

pytestmark = pytest.mark.slow

LOWERED = (
    "The bert-pretrained indexer's max_pieces=512 is more than {bert} takes "
    "(max_position_embeddings 64): using max_pieces=64."
)
WORDS = "the acting was great and the plot was fun , I love this movie".split()
HUNDRED_WORDS = " ".join((WORDS * 8)[:100])
THREE_LINES = [
    json.dumps({"text": "I love this movie !", "label": "pos"}),
    json.dumps({"text": HUNDRED_WORDS, "label": "pos"}),
    json.dumps({"text": "a dull , boring plot", "label": "neg"}),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("position_mismatch")
    config = directory / "without_max_pieces.jsonnet"
    config.write_text(
        f"local base = import '{CONFIGS_ROOT / 'bert_for_classification.jsonnet'}';\n"
        "local bert = base.dataset_reader.token_indexers.bert;\n"
        "base + { dataset_reader+: { token_indexers+: {\n"
        "  bert: std.objectRemoveKey(bert, 'max_pieces') } } }\n"
    )
    run = directory / "run"
    train(run, str(config))
    lowered = LOWERED.format(bert="the BERT of 'fixtures/bert/bert_config.json'")
    assert (run / "out.log").read_text().count(lowered) == 1
    return run


def three_lines(tmp_path: Path) -> Path:
    path = tmp_path / "three.jsonl"
    path.write_text("".join(line + "\n" for line in THREE_LINES))
    return path


def test_the_archive_predicts_every_line(run, tmp_path):
    outputs, result = predict_lines(run / "model.tar.gz", THREE_LINES, tmp_path)
    assert result.returncode == 0
    assert [output["label"] in {"pos", "neg"} for output in outputs] == [True] * 3
    assert "was truncated" in result.stderr


def test_the_archive_evaluates(run, tmp_path):
    metrics = tmp_path / "metrics.json"
    allennlp(
        ["evaluate", str(run / "model.tar.gz"), str(three_lines(tmp_path))]
        + ["--output-file", str(metrics), "--batch-size", "64"]
    )
    assert set(json.loads(metrics.read_text())) >= {"accuracy", "loss"}


def without_the_berts_config(tmp_path: Path) -> str:
    """Overrides pointing the indexer at a vocab.txt with no BERT config beside it."""
    shutil.copy(FIXTURE_BERT / "vocab.txt", tmp_path / "vocab.txt")
    vocab = str(tmp_path / "vocab.txt")
    return json.dumps({"dataset_reader.token_indexers.bert.pretrained_model": vocab})


def test_when_the_indexer_cannot_see_the_berts_config_the_predictor_lowers_max_pieces(
    run, tmp_path
):
    outputs, result = predict_lines(
        run / "model.tar.gz", THREE_LINES, tmp_path, "-o", without_the_berts_config(tmp_path)
    )
    assert [output["label"] in {"pos", "neg"} for output in outputs] == [True] * 3
    assert LOWERED.format(bert="the model's BERT") in result.stderr


def test_when_the_indexer_cannot_see_the_berts_config_evaluate_cuts_long_rows(run, tmp_path):
    metrics = tmp_path / "metrics.json"
    result = allennlp(
        ["evaluate", str(run / "model.tar.gz"), str(three_lines(tmp_path))]
        + ["--output-file", str(metrics), "-o", without_the_berts_config(tmp_path)],
        text=True,
    )
    assert set(json.loads(metrics.read_text())) >= {"accuracy", "loss"}
    cut = (
        "A batch has 102 wordpieces per row, more than this BERT's max_position_embeddings (64): "
        "rows that long are cut to their first 63 wordpieces and their final [SEP]."
    )
    assert result.stderr.count(cut) == 1
