"""
The real `allennlp` command line in a subprocess: train, evaluate and predict with the plugin,
found through `.allennlp_plugins` (run from the project root) and through `--include-package`.
"""

import json
from pathlib import Path

import pytest

from tests import cli
from tests.cli import FIXTURE_CONFIG as CONFIG
from tests.cli import read_jsonl
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT, PROJECT_ROOT

pytestmark = pytest.mark.slow


def allennlp(args, cwd: Path, check: bool = True):
    return cli.allennlp(args, cwd=cwd, check=check, text=True)


def test_train_evaluate_predict_through_allennlp_plugins(tmp_path):
    assert (PROJECT_ROOT / ".allennlp_plugins").read_text().split() == ["bert_cls"]
    run = tmp_path / "run"
    allennlp(["train", CONFIG, "-s", str(run)], cwd=PROJECT_ROOT)
    assert (run / "model.tar.gz").is_file()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epoch"] == 2  # num_epochs 3, counted from 0
    assert 0.0 <= metrics["best_validation_accuracy"] <= 1.0

    evaluation = tmp_path / "evaluation.json"
    allennlp(
        [
            "evaluate",
            str(run / "model.tar.gz"),
            "fixtures/data/dev.jsonl",
            "--output-file",
            str(evaluation),
        ],
        cwd=PROJECT_ROOT,
    )
    assert set(json.loads(evaluation.read_text())) >= {"accuracy", "loss"}

    predictions = tmp_path / "predictions.jsonl"
    allennlp(
        [
            "predict",
            str(run / "model.tar.gz"),
            "fixtures/data/predict.jsonl",
            "--output-file",
            str(predictions),
            "--silent",
            "--batch-size",
            "2",
        ],
        cwd=PROJECT_ROOT,
    )
    outputs = read_jsonl(predictions)
    assert len(outputs) == len(read_jsonl(FIXTURES_ROOT / "data" / "predict.jsonl"))
    for output in outputs:
        assert output["label"] in {"pos", "neg"}
        assert set(output["label_probs"]) == {"pos", "neg"}
        assert sum(output["probs"]) == pytest.approx(1.0, abs=1e-5)


def test_train_elsewhere_with_include_package(tmp_path):
    overrides = json.dumps(
        {
            "dataset_reader.token_indexers.bert.pretrained_model": str(FIXTURE_BERT),
            "model.bert_model": str(FIXTURE_BERT),
            "train_data_path": str(FIXTURES_ROOT / "data" / "train.jsonl"),
            "validation_data_path": str(FIXTURES_ROOT / "data" / "dev.jsonl"),
            "trainer.num_epochs": 1,
        }
    )
    # Without the plugin (no .allennlp_plugins here, no --include-package) the names are unknown.
    without = allennlp(
        ["train", CONFIG, "-s", str(tmp_path / "without"), "-o", overrides],
        cwd=tmp_path,
        check=False,
    )
    assert without.returncode != 0
    assert "checked_text_classification_json not in acceptable choices" in without.stderr

    allennlp(
        [
            "train",
            CONFIG,
            "-s",
            str(tmp_path / "run"),
            "-o",
            overrides,
            "--include-package",
            "bert_cls",
        ],
        cwd=tmp_path,
    )
    assert (tmp_path / "run" / "model.tar.gz").is_file()
