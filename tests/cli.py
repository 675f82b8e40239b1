"""
Helpers for tests that run the real `allennlp` command line in a subprocess, from the project
root so that `.allennlp_plugins` loads `bert_cls` and the shipped configs' relative paths work.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from tests.paths import CONFIGS_ROOT, PROJECT_ROOT

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
FIXTURE_CONFIG = str(CONFIGS_ROOT / "bert_for_classification.jsonnet")


def _environment(extra: Optional[dict] = None) -> dict:
    return dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", **(extra or {}))


def allennlp(
    args: List[str],
    check: bool = True,
    cwd: Path = PROJECT_ROOT,
    timeout: float = 600,
    **kwargs,
) -> subprocess.CompletedProcess:
    """Runs `allennlp *args`; with `check`, a failure raises with the end of its stderr."""
    env = _environment(kwargs.pop("env", {}))
    result = subprocess.run(
        [ALLENNLP, *args], cwd=cwd, env=env, capture_output=True, timeout=timeout, **kwargs
    )
    if check and result.returncode != 0:
        stderr = result.stderr
        if isinstance(stderr, bytes):
            stderr = stderr.decode("utf-8", "replace")
        raise AssertionError(f"allennlp {' '.join(args)} failed:\n{stderr[-4000:]}")
    return result


def start_allennlp(args: List[str], log: Path, cwd: Path = PROJECT_ROOT) -> subprocess.Popen:
    """Starts `allennlp *args` without waiting for it; its stdout and stderr go to `log`."""
    with log.open("w") as output:
        return subprocess.Popen(
            [ALLENNLP, *args], cwd=cwd, env=_environment(), stdout=output, stderr=subprocess.STDOUT
        )


def train(
    serialization_dir: Path,
    config: str = FIXTURE_CONFIG,
    overrides: Optional[dict] = None,
    check: bool = True,
    extra: Sequence[str] = (),
) -> subprocess.CompletedProcess:
    """`allennlp train` of `config` (by default the seconds-long fixture config)."""
    args = ["train", config, "-s", str(serialization_dir), *extra]
    if overrides:
        args += ["-o", json.dumps(overrides)]
    return allennlp(args, check=check, text=True)


def predict_lines(
    archive: Path, lines: List[str], tmp_path: Path, *args: str, **kwargs
) -> Tuple[List[dict], subprocess.CompletedProcess]:
    """
    `allennlp predict archive` on a file of `lines` (written into `tmp_path`) with `args`; the
    output lines and the finished process.
    """
    inputs = tmp_path / "input.jsonl"
    inputs.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    output = tmp_path / "output.jsonl"
    result = allennlp(
        ["predict", str(archive), str(inputs), "--output-file", str(output), "--silent", *args],
        text=True,
        **kwargs,
    )
    return read_jsonl(output), result


def read_jsonl(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def metrics_without_timing(serialization_dir: Path) -> dict:
    """`metrics.json` without what depends on the machine: durations and memory figures."""
    metrics = json.loads((serialization_dir / "metrics.json").read_text())
    return {
        key: value
        for key, value in metrics.items()
        if not key.endswith("_duration") and not key.endswith("_memory_MB")
    }


def assert_archive_predicts(run: Path, tmp_path: Path) -> None:
    """`allennlp predict` with `run/model.tar.gz` labels the three fixture prediction lines."""
    output = tmp_path / "predictions.jsonl"
    allennlp(
        ["predict", str(run / "model.tar.gz"), "fixtures/data/predict.jsonl"]
        + ["--output-file", str(output), "--silent"]
    )
    predictions = read_jsonl(output)
    assert len(predictions) == 3
    assert all(prediction["label"] in {"pos", "neg"} for prediction in predictions)


def assert_archive_takes_batch_sizes(
    archive: Path, evaluate_data: Path, predict_data: Path, tmp_path: Path
) -> None:
    """`allennlp evaluate --batch-size 64` and `allennlp predict --batch-size 2` both work."""
    metrics = tmp_path / "metrics.json"
    allennlp(
        ["evaluate", str(archive), str(evaluate_data), "--output-file", str(metrics)]
        + ["--batch-size", "64"]
    )
    assert set(json.loads(metrics.read_text())) >= {"accuracy", "loss"}
    output = tmp_path / "predictions.jsonl"
    allennlp(
        ["predict", str(archive), str(predict_data), "--output-file", str(output), "--silent"]
        + ["--batch-size", "2"]
    )
    predictions = read_jsonl(output)
    assert len(predictions) == len(read_jsonl(predict_data))
    assert all("label" in prediction for prediction in predictions)
