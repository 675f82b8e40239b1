"""
Tests of `examples.spamassassin.report` on a hand-written run directory: a predictions file
in the exact format `allennlp evaluate` writes (one JSON object per batch), metrics files as
`allennlp train` and `allennlp evaluate` write them, and a tiny train split for the baseline.
"""

import json
import shutil
from pathlib import Path
from typing import Dict, List, Sequence

import matplotlib.image
import pytest

from examples.spamassassin.report import (
    ReportError,
    build_report,
    duration_seconds,
    learning_curve_points,
    main,
    markdown_table,
    plot_learning_curve,
    write_report,
)

GOLD = ["ham", "ham", "ham", "ham", "ham", "spam", "spam", "spam"]
PREDICTED = ["ham", "ham", "ham", "spam", "spam", "spam", "ham", "spam"]
BATCH_SIZES = (3, 3, 2)

# By hand: gold ham is predicted ham 3 times and spam twice, gold spam ham once and spam twice.
CONFUSION_MATRIX = [[3, 2], [1, 2]]
ACCURACY = 5 / 8
HAM = {"precision": 3 / 4, "recall": 3 / 5, "f1": 2 / 3, "support": 5}
SPAM = {"precision": 2 / 4, "recall": 2 / 3, "f1": 4 / 7, "support": 3}
MACRO_F1 = (2 / 3 + 4 / 7) / 2

HAM_TEXTS = [
    "meeting notes for the project attached",
    "can we move the meeting to friday",
    "the project build failed again on linux",
    "lunch on friday with the team",
    "patch for the linux kernel build",
    "notes from the team meeting",
    "please review my patch for the project",
    "the kernel build works on friday",
    "team lunch notes",
    "review the build notes",
]
SPAM_TEXTS = [
    "win a free prize now click here",
    "cheap pills free shipping click now",
    "you won money claim your free prize",
    "click here for cheap loans now",
    "free money now limited offer",
    "claim your prize money today",
    "limited offer cheap pills click here",
    "free shipping on cheap offer now",
    "win money now click",
    "your free offer today",
]


def write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def allennlp_batch(labels: List[str]) -> Dict:
    """A line of `allennlp evaluate --predictions-output-file` for bert_for_classification."""
    size, length = len(labels), 4
    probs = [[0.9, 0.1] if label == "ham" else [0.2, 0.8] for label in labels]
    return {
        "tokens": {
            "bert": {
                "token_ids": [[2, 7, 8, 3]] * size,
                "type_ids": [[0] * length] * size,
                "wordpiece_mask": [[True] * length] * size,
                "offsets": [[1, 2]] * size,
                "mask": [[True, True]] * size,
            }
        },
        "label": labels,
        "logits": [[p[0] - 0.5, p[1] - 0.5] for p in probs],
        "probs": probs,
        "loss": 0.7,
    }


def write_run(root: Path) -> Path:
    """A run directory at `root / "run"` and its data directory at `root / "data"`."""
    data, run = root / "data", root / "run"
    data.mkdir()
    run.mkdir()
    test_texts = HAM_TEXTS[:5] + SPAM_TEXTS[:3]
    write_jsonl(
        data / "test.jsonl",
        [{"text": t, "label": g, "id": f"t{i}"} for i, (t, g) in enumerate(zip(test_texts, GOLD))],
    )
    train = [{"text": t, "label": "ham", "id": f"h{i}"} for i, t in enumerate(HAM_TEXTS)]
    train += [{"text": t, "label": "spam", "id": f"s{i}"} for i, t in enumerate(SPAM_TEXTS)]
    write_jsonl(data / "train.jsonl", train)
    batches, start = [], 0
    for size in BATCH_SIZES:
        batches.append(allennlp_batch(PREDICTED[start : start + size]))
        start += size
    write_jsonl(run / "test_predictions.jsonl", batches)
    (run / "test_metrics.json").write_text(
        json.dumps({"accuracy": ACCURACY, "loss": 0.7}, indent=2)
    )
    metrics = {
        "best_epoch": 1,
        "training_duration": "1:02:03.500000",
        "epoch": 1,
        "training_accuracy": 0.95,
        "training_loss": 0.1,
        "validation_accuracy": 0.9,
        "validation_loss": 0.2,
        "best_validation_accuracy": 0.9,
        "best_validation_loss": 0.2,
    }
    (run / "metrics.json").write_text(json.dumps(metrics, indent=2))
    curve = []
    for epoch in range(2):
        for batch in (1, 2, 3):
            curve.append(
                {
                    "epoch": epoch,
                    "batch": epoch * 3 + batch,
                    "loss": 0.6 - 0.1 * batch,
                    "accuracy": 0.6 + 0.1 * batch,
                }
            )
        curve.append(
            {
                "epoch": epoch,
                "batch": epoch * 3 + 3,
                "training_loss": 0.3,
                "training_accuracy": 0.9,
                "validation_loss": 0.2,
                "validation_accuracy": 0.9,
            }
        )
    write_jsonl(run / "learning_curve.jsonl", curve)
    return run


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    run = write_run(tmp_path_factory.mktemp("report"))
    return run, write_report(run, run.parent / "data")


@pytest.fixture
def run_dir(tmp_path) -> Path:
    return write_run(tmp_path)


def test_model_metrics_equal_hand_computed_values(finished):
    _, report = finished
    model = report["model"]
    assert report["labels"] == ["ham", "spam"]
    assert report["test_size"] == 8
    assert model["accuracy"] == pytest.approx(ACCURACY)
    assert model["confusion_matrix"] == CONFUSION_MATRIX
    for label, expected in (("ham", HAM), ("spam", SPAM)):
        assert model["per_class"][label] == pytest.approx(expected)
    assert model["macro_f1"] == pytest.approx(MACRO_F1)


def test_training_summary(finished):
    model = finished[1]["model"]
    assert model["training_seconds"] == pytest.approx(3723.5)
    assert model["epochs"] == 2
    assert model["best_validation_accuracy"] == 0.9
    assert model["evaluate_accuracy"] == ACCURACY and model["evaluate_loss"] == 0.7


def test_baseline_runs_and_is_compared(finished):
    _, report = finished
    baseline = report["baseline"]
    assert baseline["train_size"] == 20 and baseline["fit_seconds"] >= 0
    assert 0 <= baseline["accuracy"] <= 1 and 0 <= baseline["macro_f1"] <= 1
    for scores in baseline["per_class"].values():
        assert all(0 <= scores[key] <= 1 for key in ("precision", "recall", "f1"))
    assert sum(map(sum, baseline["confusion_matrix"])) == 8
    assert report["macro_f1_difference"] == pytest.approx(MACRO_F1 - baseline["macro_f1"])


def test_report_json_has_the_keys(finished):
    run, report = finished
    written = json.loads((run / "report.json").read_text())
    assert written == json.loads(json.dumps(report))
    assert {"labels", "test_size", "model", "baseline", "macro_f1_difference", "paths"} <= set(
        written
    )
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix"} <= set(written["baseline"])
    assert written["paths"]["predictions"] == str(run / "test_predictions.jsonl")
    assert written["paths"]["test_data"] == str(run.parent / "data" / "test.jsonl")


def test_markdown_table(finished):
    table = markdown_table(finished[1]).splitlines()
    assert table[0] == "| metric | fine-tuned BERT | TF-IDF + LR baseline |"
    assert table[2].startswith("| accuracy | 0.6250 |")
    assert [row.split(" | ")[0] for row in table[2:]] == [
        "| accuracy",
        "| macro-F1",
        "| ham P",
        "| ham R",
        "| ham F1",
        "| spam P",
        "| spam R",
        "| spam F1",
        "| train time",
    ]
    assert "| 3723.5 s (2 epochs) |" in table[-1]


@pytest.mark.parametrize("name", ["confusion_matrix.png", "learning_curve.png"])
def test_pngs_are_valid(finished, name):
    path = finished[0] / name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert height >= 300 and width >= 600


def test_learning_curve_falls_back_to_epoch_metrics(run_dir):
    (run_dir / "learning_curve.jsonl").unlink()
    for epoch in (1, 0):
        (run_dir / f"metrics_epoch_{epoch}.json").write_text(
            json.dumps(
                {
                    "epoch": epoch,
                    "training_loss": 0.5 - epoch / 10,
                    "validation_accuracy": 0.8 + epoch / 10,
                }
            )
        )
    points, per_epoch_only = learning_curve_points(run_dir)
    assert per_epoch_only
    assert [(p["epoch"], p["batch"]) for p in points] == [(0, 1), (1, 2)]
    plot_learning_curve(run_dir, run_dir / "learning_curve.png")
    assert (run_dir / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_duration_seconds():
    assert duration_seconds("0:00:00.961388") == pytest.approx(0.961388)
    assert duration_seconds("2 days, 1:00:01") == 2 * 86400 + 3601
    with pytest.raises(ReportError, match="cannot read"):
        duration_seconds("an hour")


def test_missing_predictions_file(run_dir):
    (run_dir / "test_predictions.jsonl").unlink()
    with pytest.raises(ReportError, match=r"test_predictions\.jsonl does not exist"):
        build_report(run_dir, run_dir.parent / "data")


def test_count_mismatch_names_both_files(run_dir):
    lines = (run_dir / "test_predictions.jsonl").read_text().splitlines()
    (run_dir / "test_predictions.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(
        ReportError, match=r"test_predictions\.jsonl holds 6 predictions but .*test\.jsonl holds 8"
    ):
        build_report(run_dir, run_dir.parent / "data")


def test_bad_json_line_names_file_and_line(run_dir):
    test_file = run_dir.parent / "data" / "test.jsonl"
    lines = test_file.read_text().splitlines()
    lines[2] = lines[2][:-1]
    test_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReportError, match=r"test\.jsonl, line 3: not valid JSON"):
        build_report(run_dir, run_dir.parent / "data")


def test_line_without_label_names_file_and_line(run_dir):
    predictions = run_dir / "test_predictions.jsonl"
    batches = [json.loads(line) for line in predictions.read_text().splitlines()]
    del batches[1]["label"]
    write_jsonl(predictions, batches)
    with pytest.raises(ReportError, match=r"test_predictions\.jsonl, line 2: no \"label\""):
        build_report(run_dir, run_dir.parent / "data")


def test_accuracy_cross_check(run_dir):
    # The same predictions in another order, as a bucket batch sampler would write them.
    batches = [allennlp_batch(PREDICTED[::-1])]
    write_jsonl(run_dir / "test_predictions.jsonl", batches)
    with pytest.raises(
        ReportError, match=r"allennlp evaluate reported 0\.625 .*not in the order of the test file"
    ):
        build_report(run_dir, run_dir.parent / "data")


def test_command_line_reports_errors_without_a_traceback(run_dir):
    shutil.rmtree(run_dir.parent / "data")
    with pytest.raises(SystemExit, match=r"^error: .*test\.jsonl does not exist"):
        main(["--run-dir", str(run_dir), "--data-dir", str(run_dir.parent / "data")])
