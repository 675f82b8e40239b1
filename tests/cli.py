"""
Helpers for tests that run the real `allennlp` command line in a subprocess, from the project
root so that `.allennlp_plugins` loads `bert_cls` and the shipped configs' relative paths work.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from tests.paths import CONFIGS_ROOT, PROJECT_ROOT

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
FIXTURE_CONFIG = str(CONFIGS_ROOT / "bert_for_classification.jsonnet")


def allennlp(
    args: List[str],
    check: bool = True,
    cwd: Path = PROJECT_ROOT,
    timeout: float = 600,
    **kwargs,
) -> subprocess.CompletedProcess:
    """Runs `allennlp *args`; with `check`, a failure raises with the end of its stderr."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", **kwargs.pop("env", {}))
    result = subprocess.run(
        [ALLENNLP, *args], cwd=cwd, env=env, capture_output=True, timeout=timeout, **kwargs
    )
    if check and result.returncode != 0:
        stderr = result.stderr
        if isinstance(stderr, bytes):
            stderr = stderr.decode("utf-8", "replace")
        raise AssertionError(f"allennlp {' '.join(args)} failed:\n{stderr[-4000:]}")
    return result


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
