import json

import pytest

from bert_cls.evaluation.plots import plot_learning_curve
from bert_cls.evaluation.training_run import (
    TrainingRunError,
    duration_seconds,
    learning_curve,
    training_summary,
)


def test_duration_seconds_reads_timedelta_strings():
    assert duration_seconds("1:02:03.5") == 3723.5
    assert duration_seconds("2 days, 0:00:01") == 172801
    assert duration_seconds("0:00:00.961388") == pytest.approx(0.961388)
    assert duration_seconds("2 days, 1:00:01") == 2 * 86400 + 3601
    for unreadable in ("90 s", "an hour"):
        with pytest.raises(TrainingRunError, match=f"cannot read the duration '{unreadable}'"):
            duration_seconds(unreadable)


def test_the_summary_of_a_fixture_run(fixture_run):
    summary = training_summary(fixture_run)
    metrics = json.loads((fixture_run / "metrics.json").read_text())
    assert summary["epochs"] == 3
    assert summary["training_seconds"] == duration_seconds(metrics["training_duration"]) > 0
    assert summary["best_epoch"] == metrics["best_epoch"]
    assert summary["best_validation_accuracy"] == metrics["best_validation_accuracy"]


def test_no_summary_without_metrics(tmp_path):
    assert training_summary(tmp_path) is None
    assert learning_curve(tmp_path) is None


def test_the_learning_curve_of_a_fixture_run(fixture_run):
    curve = learning_curve(fixture_run)
    assert not curve.per_epoch_only
    # 10 training instances in batches of 5: 2 running points and an end point an epoch.
    running = [point for point in curve.points if "loss" in point]
    ends = [point for point in curve.points if "validation_accuracy" in point]
    assert [point["batch"] for point in running] == [1, 2, 3, 4, 5, 6]
    assert [(point["epoch"], point["batch"]) for point in ends] == [(0, 2), (1, 4), (2, 6)]


def test_points_written_again_by_a_resumed_run_are_kept_once(tmp_path):
    points = [
        {"epoch": 0, "batch": 1, "loss": 0.9},
        {"epoch": 0, "batch": 2, "training_loss": 0.8, "validation_loss": 0.85},
        {"epoch": 1, "batch": 3, "loss": 0.7},  # then killed; resumed from the epoch 0 checkpoint
        {"epoch": 1, "batch": 3, "loss": 0.6},
        {"epoch": 1, "batch": 4, "training_loss": 0.5},
    ]
    (tmp_path / "learning_curve.jsonl").write_text("".join(json.dumps(p) + "\n" for p in points))
    assert learning_curve(tmp_path).points == [points[0], points[1], points[3], points[4]]


def test_epoch_metrics_stand_in_for_a_missing_curve(fixture_run, tmp_path):
    for epoch_file in fixture_run.glob("metrics_epoch_*.json"):
        (tmp_path / epoch_file.name).write_text(epoch_file.read_text())
    curve = learning_curve(tmp_path)
    assert curve.per_epoch_only
    assert [point["batch"] for point in curve.points] == [1, 2, 3]
    assert all("validation_accuracy" in point for point in curve.points)


def test_epoch_metrics_are_read_in_epoch_order_and_drawn(tmp_path):
    for epoch in (1, 0, 10, 2):  # 10 after 2: by number, not by name
        (tmp_path / f"metrics_epoch_{epoch}.json").write_text(
            json.dumps(
                {
                    "epoch": epoch,
                    "training_loss": 0.5 - epoch / 100,
                    "validation_accuracy": 0.8 + epoch / 100,
                }
            )
        )
    curve = learning_curve(tmp_path)
    assert curve.per_epoch_only
    assert [(p["epoch"], p["batch"]) for p in curve.points] == [(0, 1), (1, 2), (2, 3), (10, 11)]
    plot_learning_curve(curve, tmp_path / "learning_curve.png", "per epoch")
    assert (tmp_path / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
