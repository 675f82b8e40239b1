"""`bert-cls-report` through its console script, on an archive trained from the fixture config."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import train
from tests.paths import FIXTURES_ROOT, PROJECT_ROOT

REPORT = str(Path(sys.executable).parent / "bert-cls-report")
DEV = FIXTURES_ROOT / "data" / "dev.jsonl"
TRAIN = FIXTURES_ROOT / "data" / "train.jsonl"

pytestmark = pytest.mark.slow


def report(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    return subprocess.run(
        [REPORT, *map(str, args)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("report") / "run"
    train(run, overrides={"trainer.callbacks": [{"type": "learning_curve", "every_n_batches": 1}]})
    return run


def test_the_report_with_a_baseline(run, tmp_path):
    output = tmp_path / "out"
    result = report(
        run / "model.tar.gz", DEV, "--baseline-train", TRAIN, "--baseline-validation", DEV,
        "--output-dir", output,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in output.iterdir())
    assert written == [
        "baseline_confusion_matrix.png", "confusion_matrix.png", "learning_curve.png", "report.json"
    ]  # fmt: skip
    for name in written:
        assert f"wrote {output / name}" in result.stdout
    saved = json.loads((output / "report.json").read_text())
    assert saved["test_size"] == 4
    assert saved["baseline"]["train_size"] == 10
    assert set(saved["baseline"]["validation"]) == {
        "0.1",
        "1.0",
        "10.0",
        "100.0",
        "1000.0",
        "10000.0",
    }
    model = saved["model"]
    assert (
        f"| accuracy | {model['accuracy']:.4f} | {saved['baseline']['accuracy']:.4f} |"
        in result.stdout
    )
    assert f"| macro-F1 | {model['macro_f1']:.4f} |" in result.stdout
    assert model["per_label"]["pos"]["support"] == 2


def test_side_by_side_matrices(run, tmp_path):
    output = tmp_path / "out"
    result = report(
        run / "model.tar.gz", DEV, "--baseline-train", TRAIN, "--side-by-side",
        "--output-dir", output,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in output.iterdir())
    assert written == ["confusion_matrix.png", "learning_curve.png", "report.json"]


def test_the_default_output_dir_is_beside_the_archive(run):
    result = report(run / "model.tar.gz", DEV)
    assert result.returncode == 0, result.stderr
    assert (run / "report" / "report.json").is_file()
    assert json.loads((run / "report" / "report.json").read_text())["baseline"] is None


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"text": "a good film", "label": "pos"}\n{"text": "bad"}\n', "line 2: has no 'label'"),
        ('{"text": "a good film", "label": "pos"}\n{"text": "", "label": "neg"}\n', "line 2: "),
    ],
)
def test_a_bad_test_file_fails_naming_the_line(run, tmp_path, content, message):
    test_file = tmp_path / "test.jsonl"
    test_file.write_text(content)
    result = report(run / "model.tar.gz", test_file, "--output-dir", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {test_file}, {message}")
    assert not (tmp_path / "out").exists()


def test_missing_files_and_options_are_refused(run, tmp_path):
    missing = report(run / "model.tar.gz", tmp_path / "nothing.jsonl")
    assert missing.returncode == 1
    assert f"error: {tmp_path / 'nothing.jsonl'} does not exist" in missing.stderr
    alone = report(run / "model.tar.gz", DEV, "--baseline-validation", DEV)
    assert alone.returncode == 2
    assert "--baseline-validation needs --baseline-train" in alone.stderr
    alone = report(run / "model.tar.gz", DEV, "--side-by-side")
    assert alone.returncode == 2
    assert "--side-by-side needs --baseline-train" in alone.stderr
