import json
import os

from examples.text_classification.training_time import (
    attempt_starts,
    record_attempt,
    training_seconds,
)


def epoch_file(run_dir, epoch, duration, modified):
    path = run_dir / f"metrics_epoch_{epoch}.json"
    path.write_text(json.dumps({"epoch": epoch, "training_duration": duration}))
    os.utime(path, (modified, modified))


def test_the_attempts_of_a_killed_and_resumed_run_add_up(tmp_path):
    log = tmp_path / "run.train_attempts.jsonl"
    log.write_text('{"started": 1000, "recover": false}\n{"started": 2000, "recover": true}\n')
    # First attempt: epochs 0 and 1 (cumulative durations), killed in epoch 2. The second
    # resumes from the epoch 1 checkpoint: its durations restart.
    epoch_file(tmp_path, 0, "0:05:00", 1300)
    epoch_file(tmp_path, 1, "0:10:00", 1600)
    epoch_file(tmp_path, 2, "0:06:00", 2360)
    epoch_file(tmp_path, 3, "0:12:00.5", 2720)
    assert training_seconds(tmp_path, log) == 600 + 720.5


def test_an_epoch_trained_again_counts_once(tmp_path):
    log = tmp_path / "attempts.jsonl"
    log.write_text('{"started": 1000, "recover": false}\n{"started": 2000, "recover": true}\n')
    # Killed after writing epoch 1's metrics but before its checkpoint: epoch 1 is trained again.
    epoch_file(tmp_path, 0, "0:05:00", 1300)
    epoch_file(tmp_path, 1, "0:05:30", 2330)
    assert training_seconds(tmp_path, log) == 300 + 330


def test_no_time_without_attempts_or_epochs(tmp_path):
    assert training_seconds(tmp_path, tmp_path / "none.jsonl") is None
    record_attempt(tmp_path / "log.jsonl", recover=False)
    assert len(attempt_starts(tmp_path / "log.jsonl")) == 1
    assert training_seconds(tmp_path, tmp_path / "log.jsonl") is None
