from typing import Dict, List, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.training.metrics import FBetaMeasure, Metric
from overrides import overrides


class PerLabelF1(Metric):
    """
    Precision, recall and F1 of each label, and their macro-averaged F1, under names a config can
    use as `validation_metric`: `<label>-precision`, `<label>-recall`, `<label>-f1` and `macro-f1`
    (the unweighted mean of the labels' F1, as `FBetaMeasure(average="macro")`). Computed by
    AllenNLP's `FBetaMeasure`; a measure that has seen no batch yet gives 0.0 everywhere.

    # Parameters

    label_names : `List[str]`
        The name of each class, in the order of the predictions' last dimension.
    """

    def __init__(self, label_names: List[str]) -> None:
        if "macro" in label_names:
            # Its `macro-f1` would be indistinguishable from the macro average.
            raise ConfigurationError(
                "Per-label metrics cannot name a label 'macro'; rename the label or turn them off."
            )
        self._label_names = list(label_names)
        self._fbeta = FBetaMeasure(beta=1.0)

    @overrides
    def __call__(
        self,
        predictions: torch.Tensor,
        gold_labels: torch.Tensor,
        mask: Optional[torch.BoolTensor] = None,
    ) -> None:
        self._fbeta(predictions, gold_labels, mask)

    @overrides
    def get_metric(self, reset: bool = False) -> Dict[str, float]:
        scores = self._scores(reset)
        metrics: Dict[str, float] = {}
        for name, precision, recall, f1 in zip(
            self._label_names, scores["precision"], scores["recall"], scores["fscore"]
        ):
            metrics[f"{name}-precision"] = precision
            metrics[f"{name}-recall"] = recall
            metrics[f"{name}-f1"] = f1
        metrics["macro-f1"] = sum(scores["fscore"]) / len(scores["fscore"])
        return metrics

    @overrides
    def reset(self) -> None:
        self._fbeta.reset()

    def _scores(self, reset: bool) -> Dict[str, List[float]]:
        try:
            return self._fbeta.get_metric(reset)
        except RuntimeError:
            # FBetaMeasure refuses to report before its first batch.
            zeros = [0.0] * len(self._label_names)
            return {"precision": zeros, "recall": zeros, "fscore": zeros}
