import json
import os
from typing import Any, Dict, List, Optional

from allennlp.data import TensorDict
from allennlp.training.callbacks.callback import TrainerCallback
from overrides import overrides

LEARNING_CURVE_FILE = "learning_curve.jsonl"


@TrainerCallback.register("learning_curve")
class LearningCurveCallback(TrainerCallback):
    """
    Appends the points of a learning curve to `learning_curve.jsonl` in the serialization
    directory, one JSON object a line:

    - every `every_n_batches` training batches: `{"epoch", "batch", "loss", "accuracy"}`, where
      `loss` and `accuracy` are the running averages over the epoch so far (what the progress bar
      shows) and `batch` counts batches since the start of training;
    - at the end of each epoch: `{"epoch", "batch", "training_loss", "training_accuracy",
      "validation_loss", "validation_accuracy"}` (validation keys when there is validation data).

    Registered as a `TrainerCallback` with name "learning_curve".

    # Parameters

    serialization_dir : `str`
    every_n_batches : `int`, optional (default = `20`)
        How often a training point is written.
    """

    def __init__(self, serialization_dir: str, every_n_batches: int = 20) -> None:
        super().__init__(serialization_dir)
        self._every_n_batches = every_n_batches
        self._path = os.path.join(serialization_dir, LEARNING_CURVE_FILE)
        self._batches_before_epoch = 0
        self._batches_in_epoch = 0

    @overrides
    def on_batch(
        self,
        trainer,
        batch_inputs: List[TensorDict],
        batch_outputs: List[Dict[str, Any]],
        batch_metrics: Dict[str, Any],
        epoch: int,
        batch_number: int,
        is_training: bool,
        is_primary: bool = True,
        batch_grad_norm: Optional[float] = None,
        **kwargs,
    ) -> None:
        if not (is_training and is_primary):
            return
        self._batches_in_epoch = batch_number
        if batch_number % self._every_n_batches == 0:
            point = {"epoch": epoch, "batch": self._batches_before_epoch + batch_number}
            point.update(
                {key: batch_metrics[key] for key in ("loss", "accuracy") if key in batch_metrics}
            )
            self._append(point)

    @overrides
    def on_epoch(
        self, trainer, metrics: Dict[str, Any], epoch: int, is_primary: bool = True, **kwargs
    ) -> None:
        if not is_primary or epoch < 0:
            return
        self._batches_before_epoch += self._batches_in_epoch
        self._batches_in_epoch = 0
        point: Dict[str, Any] = {"epoch": epoch, "batch": self._batches_before_epoch}
        for split in ("training", "validation"):
            for name in ("loss", "accuracy"):
                if f"{split}_{name}" in metrics:
                    point[f"{split}_{name}"] = metrics[f"{split}_{name}"]
        self._append(point)

    @overrides
    def state_dict(self) -> Dict[str, Any]:
        return {"batches_before_epoch": self._batches_before_epoch}

    @overrides
    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self._batches_before_epoch = state_dict.get("batches_before_epoch", 0)

    def _append(self, point: Dict[str, Any]) -> None:
        with open(self._path, "a", encoding="utf-8") as curve:
            curve.write(json.dumps(point) + "\n")
