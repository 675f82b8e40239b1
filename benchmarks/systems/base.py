"""
What every measured system provides to the worker (`benchmarks.worker`), and the classifier
weights they all share.
"""

from typing import Any, Dict, List

import torch

from benchmarks.settings import CLASSIFIER_SEED


class System:
    """
    One system's inference and training paths, built on the model directory that every system
    reads (`benchmarks.prepare`). Subclasses build the model in `__init__(model_dir, training)`:
    in eval mode with a predictor for inference, in train mode with an optimizer for training.
    """

    def predict(self, texts: List[str]) -> List[str]:
        """Raw texts to label strings, as a user of the system would predict them."""
        raise NotImplementedError

    def lengths(self, texts: List[str]) -> List[int]:
        """Real tokens (with [CLS] and [SEP]) the system feeds BERT for each text."""
        raise NotImplementedError

    def train_batch(self, items: List[Dict[str, str]]) -> Any:
        """Tensors of one training batch of `{"text", "label"}` items (tokenized before timing)."""
        raise NotImplementedError

    def batch_lengths(self, batch: Any) -> List[int]:
        """Real tokens of each example of a `train_batch`."""
        raise NotImplementedError

    def train_step(self, batch: Any) -> float:
        """Forward, backward and optimizer step on a `train_batch`; returns the loss."""
        raise NotImplementedError

    def info(self) -> Dict[str, Any]:
        """What the JSON should record about how the system was built."""
        return {}


def same_classifier(linear: torch.nn.Linear, num_labels: int, hidden: int) -> None:
    """Gives a Linear(hidden, num_labels) the same seeded weights in every system."""
    generator = torch.Generator().manual_seed(CLASSIFIER_SEED)
    weight = torch.randn(num_labels, hidden, generator=generator) * 0.02
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.zero_()
