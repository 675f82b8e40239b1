"""
Distributed data-parallel training through the real `allennlp train` (gloo backend): two CPU
worker processes of one node (`configs/distributed/bert_for_classification_2cpu.jsonnet`), and
two nodes of one CPU worker each, both on this machine
(`configs/distributed/bert_for_classification_2nodes.jsonnet`).
"""

import json
import subprocess

import pytest
from allennlp.common.util import find_open_port

from tests.cli import (
    assert_archive_predicts,
    assert_archive_takes_batch_sizes,
    start_allennlp,
    train,
)
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT

pytestmark = pytest.mark.slow

CONFIG = str(CONFIGS_ROOT / "distributed" / "bert_for_classification_2cpu.jsonnet")
TWO_NODES_CONFIG = str(CONFIGS_ROOT / "distributed" / "bert_for_classification_2nodes.jsonnet")


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
    data = FIXTURES_ROOT / "data"
    assert_archive_takes_batch_sizes(
        run / "model.tar.gz", data / "dev.jsonl", data / "predict.jsonl", tmp_path
    )


def test_two_nodes_train_together_and_the_primary_s_archive_predicts(tmp_path):
    port = find_open_port()
    runs = [tmp_path / f"node{rank}" for rank in (0, 1)]
    nodes = [
        start_allennlp(
            ["train", TWO_NODES_CONFIG, "-s", str(run), "--node-rank", str(rank)]
            + ["-o", json.dumps({"distributed.primary_port": port})],
            log=tmp_path / f"node{rank}.log",
        )
        for rank, run in enumerate(runs)
    ]
    try:
        codes = [node.wait(timeout=600) for node in nodes]
    except subprocess.TimeoutExpired:
        for node in nodes:
            node.kill()
        raise
    logs = [(tmp_path / f"node{rank}.log").read_text() for rank in (0, 1)]
    assert codes == [0, 0], "\n".join(log[-3000:] for log in logs)
    for rank, log in enumerate(logs):
        assert f"Rank of this node: {rank}" in log and "World size: 2" in log
    # One worker per node, each with its global rank.
    assert "worker 0" in (runs[0] / "out_worker0.log").read_text()
    assert "worker 1" in (runs[1] / "out_worker0.log").read_text()
    metrics = json.loads((runs[0] / "metrics.json").read_text())
    assert metrics["epoch"] == 2
    assert 0.0 <= metrics["best_validation_accuracy"] <= 1.0
    assert_archive_predicts(runs[0], tmp_path)
