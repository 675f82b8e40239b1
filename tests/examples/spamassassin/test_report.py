"""
Tests of `examples.spamassassin.report` on a hand-written run directory (metrics and learning
curve as `allennlp train` writes them, a tiny train split for the baseline) whose archive's
predictor is replaced by one with known predictions, and of its command line on a real archive
trained from the fixture config.
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence

import matplotlib.image
import pytest

from bert_cls.evaluation.plots import FIGURE_DPI, matrix_layout
from examples.spamassassin.report import main, write_spamassassin_report
from tests.cli import train
from tests.paths import FIXTURES_ROOT, PROJECT_ROOT

GOLD = ["ham", "ham", "ham", "ham", "ham", "spam", "spam", "spam"]
PREDICTED = ["ham", "ham", "ham", "spam", "spam", "spam", "ham", "spam"]

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


class KnownPredictions:
    """Stands in for the archive's predictor: `PREDICTED[i]` for the test email `t<i>`."""

    def predict_batch_json(self, inputs: List[dict]) -> List[dict]:
        return [{"label": PREDICTED[int(one["id"][1:])]} for one in inputs]


def write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def write_run(root: Path) -> Path:
    """A run directory at `root / "run"` and its data directory at `root / "data"`."""
    data, run = root / "data", root / "run"
    data.mkdir()
    run.mkdir()
    (run / "model.tar.gz").write_bytes(b"not read: the predictor is KnownPredictions")
    test_texts = HAM_TEXTS[:5] + SPAM_TEXTS[:3]
    write_jsonl(
        data / "test.jsonl",
        [{"text": t, "label": g, "id": f"t{i}"} for i, (t, g) in enumerate(zip(test_texts, GOLD))],
    )
    train_rows = [{"text": t, "label": "ham", "id": f"h{i}"} for i, t in enumerate(HAM_TEXTS)]
    train_rows += [{"text": t, "label": "spam", "id": f"s{i}"} for i, t in enumerate(SPAM_TEXTS)]
    write_jsonl(data / "train.jsonl", train_rows)
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
    """The run directory, the report and what it printed."""
    run = write_run(tmp_path_factory.mktemp("report"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bert_cls.evaluation.report.load_predictor", lambda *args: KnownPredictions())
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            report = write_spamassassin_report(run, run.parent / "data")
    return run, report, printed.getvalue()


@pytest.fixture
def run_dir(tmp_path) -> Path:
    return write_run(tmp_path)


def test_model_metrics_equal_hand_computed_values(finished):
    _, report, _ = finished
    model = report["model"]
    assert report["labels"] == ["ham", "spam"]
    assert report["test_size"] == 8
    assert model["accuracy"] == pytest.approx(ACCURACY)
    assert model["confusion_matrix"] == CONFUSION_MATRIX
    for label, expected in (("ham", HAM), ("spam", SPAM)):
        assert model["per_label"][label] == pytest.approx(expected)
    assert model["macro_f1"] == pytest.approx(MACRO_F1)


def test_training_summary(finished):
    training = finished[1]["training"]
    assert training["training_seconds"] == pytest.approx(3723.5)
    assert training["epochs"] == 2
    assert training["best_validation_accuracy"] == 0.9


def test_baseline_runs_with_the_fixed_c_and_is_compared(finished):
    _, report, _ = finished
    baseline = report["baseline"]
    assert baseline["c"] == 10.0
    assert baseline["train_size"] == 20 and baseline["fit_seconds"] >= 0
    assert 0 <= baseline["accuracy"] <= 1 and 0 <= baseline["macro_f1"] <= 1
    for scores in baseline["per_label"].values():
        assert all(0 <= scores[key] <= 1 for key in ("precision", "recall", "f1"))
    assert sum(map(sum, baseline["confusion_matrix"])) == 8
    assert report["macro_f1_difference"] == pytest.approx(MACRO_F1 - baseline["macro_f1"])


def test_report_json_has_the_keys(finished):
    run, report, _ = finished
    written = json.loads((run / "report.json").read_text())
    assert written == json.loads(json.dumps(report))
    assert {"labels", "test_size", "model", "baseline", "macro_f1_difference", "outputs"} <= set(
        written
    )
    assert {"accuracy", "macro_f1", "per_label", "confusion_matrix"} <= set(written["baseline"])
    assert written["archive"] == str(run / "model.tar.gz")
    assert written["test_file"] == str(run.parent / "data" / "test.jsonl")
    assert written["outputs"] == {
        "report": str(run / "report.json"),
        "confusion_matrix": str(run / "confusion_matrix.png"),
        "learning_curve": str(run / "learning_curve.png"),
    }


def test_printed_table_matrices_and_difference(finished):
    _, report, printed = finished
    table = printed.split("\n\n")[0].splitlines()
    assert table[0] == "| metric | fine-tuned BERT (bert_cls) | TF-IDF + LR |"
    assert table[2].startswith("| accuracy | 0.6250 |")
    assert [row.split(" | ")[0] for row in table[2:]] == [
        "| accuracy",
        "| macro-F1",
        "| ham P / R / F1 (5)",
        "| spam P / R / F1 (3)",
        "| training time",
    ]
    assert table[4].startswith("| ham P / R / F1 (5) | 0.750 / 0.600 / 0.667 |")
    assert table[5].startswith("| spam P / R / F1 (3) | 0.500 / 0.667 / 0.571 |")
    assert "| 3724 s (2 epochs) |" in table[-1] and "(C = 10) |" in table[-1]
    assert (
        "fine-tuned BERT (bert_cls) (rows = gold, columns = predicted)\n"
        "         ham  spam\n"
        "   ham     3     2\n"
        "  spam     1     2"
    ) in printed
    assert "TF-IDF + LR (rows = gold, columns = predicted)" in printed
    difference = MACRO_F1 - report["baseline"]["macro_f1"]
    assert (
        f"\nmacro-F1 difference (fine-tuned BERT (bert_cls) - TF-IDF + LR): {difference:+.4f}\n"
    ) in printed


@pytest.mark.parametrize("name", ["confusion_matrix.png", "learning_curve.png"])
def test_pngs_are_valid(finished, name):
    path = finished[0] / name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert height >= 300 and width >= 600


def test_the_confusion_matrices_are_side_by_side_in_one_picture(finished):
    run = finished[0]
    assert not (run / "baseline_confusion_matrix.png").exists()
    width = matplotlib.image.imread(run / "confusion_matrix.png").shape[1]
    assert width >= 2 * matrix_layout(["ham", "spam"], 3)["side"] * FIGURE_DPI


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": "a', r"test\.jsonl, line 3: is not valid JSON"),
        ('{"text": "no label", "id": "t2"}', r"test\.jsonl, line 3: has no 'label'"),
    ],
)
def test_a_bad_test_line_names_file_and_line(run_dir, line, message):
    test_file = run_dir.parent / "data" / "test.jsonl"
    lines = test_file.read_text().splitlines()
    lines[2] = line
    test_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(SystemExit, match=rf"^error: .*/data/{message}"):
        main(["--run-dir", str(run_dir), "--data-dir", str(run_dir.parent / "data")])


def test_missing_archive(run_dir):
    (run_dir / "model.tar.gz").unlink()
    with pytest.raises(SystemExit, match=r"^error: .*run/model\.tar\.gz does not exist"):
        main(["--run-dir", str(run_dir), "--data-dir", str(run_dir.parent / "data")])


def test_command_line_reports_errors_without_a_traceback(run_dir):
    shutil.rmtree(run_dir.parent / "data")
    with pytest.raises(SystemExit, match=r"^error: .*test\.jsonl does not exist"):
        main(["--run-dir", str(run_dir), "--data-dir", str(run_dir.parent / "data")])


@pytest.mark.slow
def test_the_command_on_a_real_archive(tmp_path):
    run = tmp_path / "run"
    train(run, overrides={"trainer.callbacks": [{"type": "learning_curve", "every_n_batches": 1}]})
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES_ROOT / "data" / "dev.jsonl", data / "test.jsonl")
    shutil.copy(FIXTURES_ROOT / "data" / "train.jsonl", data / "train.jsonl")
    result = subprocess.run(
        [sys.executable, "-m", "examples.spamassassin.report", "--run-dir", str(run),
         "--data-dir", str(data)],
        cwd=PROJECT_ROOT, env=dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("report.json", "confusion_matrix.png", "learning_curve.png"):
        assert f"wrote {run / name}" in result.stdout
    assert not (run / "baseline_confusion_matrix.png").exists()
    report = json.loads((run / "report.json").read_text())
    assert report["test_size"] == 4 and report["baseline"]["c"] == 10.0
    assert f"| accuracy | {report['model']['accuracy']:.4f} |" in result.stdout
    assert "macro-F1 difference (fine-tuned BERT (bert_cls) - TF-IDF + LR): " in result.stdout
