"""
Distributed data-parallel training through the real `allennlp train`: two CPU worker processes
(gloo backend) from `configs/distributed/bert_for_classification_2cpu.jsonnet`.
"""

import json

import pytest

from tests.cli import assert_archive_predicts, train
from tests.paths import CONFIGS_ROOT

pytestmark = pytest.mark.slow

CONFIG = str(CONFIGS_ROOT / "distributed" / "bert_for_classification_2cpu.jsonnet")


def test_two_cpu_workers_train_and_the_archive_predicts(tmp_path):
    run = tmp_path / "run"
    train(run, CONFIG)
    assert "World size: 2" in (run / "out.log").read_text()
    assert (run / "out_worker0.log").exists() and (run / "out_worker1.log").exists()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epoch"] == 2
    assert {"peak_worker_0_memory_MB", "peak_worker_1_memory_MB"} <= set(metrics)
    assert 0.0 <= metrics["best_validation_accuracy"] <= 1.0
    # The atomic checkpointer (one staging directory per worker) left whole checkpoints only.
    assert sorted(path.name for path in run.glob("*_state_e*")) == [
        "model_state_e2_b0.th",
        "model_state_e3_b0.th",
        "training_state_e2_b0.th",
        "training_state_e3_b0.th",
    ]
    assert not list(run.glob(".checkpoint-staging-*"))

    assert_archive_predicts(run, tmp_path)
