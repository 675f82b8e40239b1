"""
`python -m examples.text_classification.run` on a tiny stand-in: the fixture config (fixture
BERT) on the fixture data, written as the R8 data set. Killed mid-training, run again: it resumes
with `allennlp train --recover`, reports, and fills the results; run a third time: it redoes
nothing.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bert_cls.evaluation.training_run import duration_seconds
from tests.paths import FIXTURES_ROOT, PROJECT_ROOT

pytestmark = pytest.mark.slow

EPOCHS = 40
OVERRIDES = {
    "trainer.num_epochs": EPOCHS,
    "trainer.patience": None,
    "trainer.checkpointer": {"type": "atomic", "keep_most_recent_by_count": 1},
}


def run_command(tmp_path: Path, *extra: str) -> list:
    return [
        sys.executable, "-m", "examples.text_classification.run", "--datasets", "r8",
        "--config", "configs/bert_for_classification.jsonnet",
        "--data-dir", str(tmp_path / "data"), "--runs-dir", str(tmp_path / "runs"),
        "--results", str(tmp_path / "results.json"), "-o", json.dumps(OVERRIDES), *extra,
    ]  # fmt: skip


def environment() -> dict:
    return dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")


def run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        run_command(tmp_path, *extra), cwd=PROJECT_ROOT, env=environment(),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture
def stand_in_data(tmp_path) -> Path:
    data = tmp_path / "data" / "r8"
    data.mkdir(parents=True)
    shutil.copy(FIXTURES_ROOT / "data" / "train.jsonl", data / "train.jsonl")
    shutil.copy(FIXTURES_ROOT / "data" / "dev.jsonl", data / "validation.jsonl")
    shutil.copy(FIXTURES_ROOT / "data" / "dev.jsonl", data / "test.jsonl")
    return data


def kill_during_training(tmp_path: Path, run_dir: Path) -> None:
    process = subprocess.Popen(
        run_command(tmp_path), cwd=PROJECT_ROOT, env=environment(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not (run_dir / "metrics_epoch_3.json").is_file():
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no fourth epoch within 300 s"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the run command and its allennlp train
    process.wait()


def test_a_killed_run_resumes_then_nothing_is_redone(tmp_path, stand_in_data):
    run_dir = tmp_path / "runs" / "r8"
    kill_during_training(tmp_path, run_dir)
    assert not (run_dir / "model.tar.gz").exists()
    assert not (tmp_path / "results.json").exists()

    resumed = run(tmp_path)
    assert "--recover" in resumed.stdout
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["epoch"] == EPOCHS - 1
    for name in ("report.json", "confusion_matrix.png", "baseline_confusion_matrix.png",
                 "learning_curve.png"):  # fmt: skip
        assert (run_dir / "report" / name).is_file()
    attempts = (tmp_path / "runs" / "r8.train_attempts.jsonl").read_text().splitlines()
    assert [json.loads(line)["recover"] for line in attempts] == [False, True]

    entry = json.loads((tmp_path / "results.json").read_text())["datasets"]["r8"]
    report = json.loads((run_dir / "report" / "report.json").read_text())
    assert entry["test_accuracy"] == report["model"]["accuracy"]
    assert entry["test_macro_f1"] == report["model"]["macro_f1"]
    assert entry["baseline_test_accuracy"] == report["baseline"]["accuracy"]
    assert entry["baseline_test_macro_f1"] == report["baseline"]["macro_f1"]
    assert entry["epochs"] == EPOCHS
    # The resumed attempt's training_duration counts only its own epochs; the entry adds the
    # killed attempt's.
    assert entry["train_seconds"] > duration_seconds(metrics["training_duration"])
    assert entry["published_accuracy"]["bert_base"] == 97.8
    assert entry["command"].startswith("python -m examples.text_classification.run --datasets r8 ")

    archive_time = (run_dir / "model.tar.gz").stat().st_mtime_ns
    report_time = (run_dir / "report" / "report.json").stat().st_mtime_ns
    again = run(tmp_path)
    assert again.stdout.count("done already") == 3  # data, training, report
    assert (run_dir / "model.tar.gz").stat().st_mtime_ns == archive_time
    assert (run_dir / "report" / "report.json").stat().st_mtime_ns == report_time
    assert len((tmp_path / "runs" / "r8.train_attempts.jsonl").read_text().splitlines()) == 2
    assert (
        json.loads((tmp_path / "results.json").read_text())["datasets"]["r8"]["train_seconds"]
        == (entry["train_seconds"])
    )

    table = run(tmp_path, "--table").stdout
    accuracy = f"{100 * entry['test_accuracy']:.2f}"
    assert (
        f"| R8 | 93.74 | 97.8 | {100 * entry['baseline_test_accuracy']:.2f} | {accuracy} |" in table
    )
    assert "done already" not in table
