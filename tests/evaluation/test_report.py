import json

import matplotlib.image
import pytest

from bert_cls.evaluation.report import build_report, markdown_summary, write_report
from tests.cli import allennlp
from tests.paths import FIXTURES_ROOT

DEV = FIXTURES_ROOT / "data" / "dev.jsonl"
TRAIN = FIXTURES_ROOT / "data" / "train.jsonl"


@pytest.fixture(scope="module")
def report(fixture_run):
    return build_report(fixture_run / "model.tar.gz", DEV, baseline_train=TRAIN)


def test_the_model_figures_agree_with_allennlp_evaluate(report, fixture_run, tmp_path):
    metrics_file = tmp_path / "metrics.json"
    allennlp(
        [
            "evaluate",
            str(fixture_run / "model.tar.gz"),
            str(DEV),
            "--output-file",
            str(metrics_file),
        ]
    )
    evaluated = json.loads(metrics_file.read_text())
    assert report["model"]["accuracy"] == pytest.approx(evaluated["accuracy"])
    assert report["test_size"] == 4
    assert sum(map(sum, report["model"]["confusion_matrix"])) == 4
    assert set(report["labels"]) >= {"pos", "neg"}


def test_the_baseline_is_scored_on_the_same_labels(report):
    baseline = report["baseline"]
    assert baseline["name"] == "TF-IDF + LR"
    assert baseline["train_size"] == 10 and baseline["c"] == 10.0
    assert len(baseline["confusion_matrix"]) == len(report["labels"])
    assert sum(map(sum, baseline["confusion_matrix"])) == 4
    assert report["training"]["epochs"] == 3


def test_the_files_and_the_summary(report, tmp_path):
    outputs = write_report(report, tmp_path / "out", "fixtures")
    assert sorted(outputs) == [
        "baseline_confusion_matrix",
        "confusion_matrix",
        "learning_curve",
        "report",
    ]
    assert all((tmp_path / "out" / name).is_file() for name in (
        "report.json", "confusion_matrix.png", "baseline_confusion_matrix.png", "learning_curve.png"
    ))  # fmt: skip
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == json.loads(
        json.dumps(report)
    )
    summary = markdown_summary(report)
    assert "| accuracy | " in summary and "| macro-F1 | " in summary
    assert "(rows = gold, columns = predicted)" in summary  # two labels: matrices as text too


def test_side_by_side_matrices_are_one_picture(report, tmp_path):
    outputs = write_report(report, tmp_path / "both", "fixtures", side_by_side=True)
    assert sorted(outputs) == ["confusion_matrix", "learning_curve", "report"]
    assert not (tmp_path / "both" / "baseline_confusion_matrix.png").exists()
    single = write_report(report, tmp_path / "single", "fixtures")["confusion_matrix"]
    both_width = matplotlib.image.imread(outputs["confusion_matrix"]).shape[1]
    assert both_width > 1.5 * matplotlib.image.imread(single).shape[1]


def test_without_a_baseline_or_a_run_directory(fixture_run, tmp_path):
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes((fixture_run / "model.tar.gz").read_bytes())
    report = build_report(archive, DEV)
    assert report["baseline"] is None and report["training"] is None
    assert sorted(write_report(report, tmp_path / "out")) == ["confusion_matrix", "report"]
    alone = write_report(report, tmp_path / "alone", side_by_side=True)
    assert sorted(alone) == ["confusion_matrix", "report"]
    assert "TF-IDF" not in markdown_summary(report)
