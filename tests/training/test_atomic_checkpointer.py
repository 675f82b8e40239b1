"""
The "atomic" checkpointer: a process killed while saving leaves the previous checkpoint whole
(the end-to-end `allennlp train --recover` runs are in tests/commands/test_recovery.py).
"""

from pathlib import Path

import pytest
import torch
from allennlp.training.checkpointer import Checkpointer
from allennlp.training.trainer import TrainerCheckpoint

from bert_cls.training.atomic_checkpointer import STAGING_PREFIX, AtomicCheckpointer


class _FakeTrainer:
    """What a checkpointer asks of a trainer: its state after some epochs."""

    def __init__(self, epochs_completed: int):
        self.epochs_completed = epochs_completed

    def get_checkpoint_state(self) -> TrainerCheckpoint:
        return TrainerCheckpoint(
            {"weight": torch.full((3,), float(self.epochs_completed))},
            {"epochs_completed": self.epochs_completed, "batches_in_epoch_completed": 0},
        )


def _killed_while_saving(
    monkeypatch, checkpointer: Checkpointer, trainer: _FakeTrainer, which: str
):
    """Saves a checkpoint as a process killed halfway through writing its `which` file would."""
    real_save = torch.save

    def save(obj, path, *args, **kwargs):
        if Path(path).name.startswith(which):
            Path(path).write_bytes(b"PK\x03\x04 truncated")
            raise SystemExit("killed")
        real_save(obj, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(SystemExit):
        checkpointer.save_checkpoint(trainer)  # type: ignore[arg-type]
    monkeypatch.setattr(torch, "save", real_save)


@pytest.mark.parametrize("which", ["model_state", "training_state"])
def test_a_kill_while_saving_leaves_the_previous_checkpoint_to_recover_from(
    tmp_path, monkeypatch, which
):
    checkpointer = AtomicCheckpointer(tmp_path, keep_most_recent_by_count=2)
    checkpointer.save_checkpoint(_FakeTrainer(1))  # type: ignore[arg-type]
    _killed_while_saving(monkeypatch, checkpointer, _FakeTrainer(2), which)

    # A new process (as `--recover` makes) finds the last whole checkpoint.
    recovered = AtomicCheckpointer(tmp_path).load_checkpoint()
    assert recovered is not None
    assert recovered.trainer_state["epochs_completed"] == 1
    assert recovered.model_state["weight"].tolist() == [1.0, 1.0, 1.0]


def test_allennlps_default_checkpointer_leaves_a_torn_checkpoint_behind(tmp_path, monkeypatch):
    """Why "atomic" exists: the same kill with the default checkpointer breaks `--recover`."""
    checkpointer = Checkpointer(tmp_path, keep_most_recent_by_count=2)
    checkpointer.save_checkpoint(_FakeTrainer(1))  # type: ignore[arg-type]
    _killed_while_saving(monkeypatch, checkpointer, _FakeTrainer(2), "model_state")
    with pytest.raises(Exception):
        Checkpointer(tmp_path).load_checkpoint()


def test_atomic_checkpointer_keeps_and_prunes_like_the_default(tmp_path):
    checkpointer = AtomicCheckpointer(tmp_path, keep_most_recent_by_count=2)
    for epochs in (1, 2, 3):
        checkpointer.save_checkpoint(_FakeTrainer(epochs))  # type: ignore[arg-type]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "model_state_e2_b0.th",
        "model_state_e3_b0.th",
        "training_state_e2_b0.th",
        "training_state_e3_b0.th",
    ]
    # A staging directory left by a killed save is removed by the next save.
    (tmp_path / f"{STAGING_PREFIX}w0-stale").mkdir()
    checkpointer.save_checkpoint(_FakeTrainer(4))  # type: ignore[arg-type]
    assert not list(tmp_path.glob(STAGING_PREFIX + "*"))
    assert Checkpointer(tmp_path).load_checkpoint().trainer_state["epochs_completed"] == 4
