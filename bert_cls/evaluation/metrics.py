"""Accuracy, per-label precision, recall and F1, macro-F1 and the confusion matrix."""

from collections import Counter
from typing import Any, Dict, List, Optional, Sequence

from bert_cls.evaluation.extras import import_extra


def label_order(gold: Sequence[str], predicted: Sequence[str]) -> List[str]:
    """
    The gold labels, most frequent first (ties by name), then labels only ever predicted, by
    name: the order of the rows and columns of a confusion matrix.
    """
    support = Counter(gold)
    ordered = sorted(support, key=lambda label: (-support[label], label))
    return ordered + sorted(set(predicted) - set(support))


def classification_metrics(
    gold: Sequence[str], predicted: Sequence[str], labels: Optional[Sequence[str]] = None
) -> Dict[str, Any]:
    """
    Scores `predicted` against `gold` (label strings, position by position), computed by
    scikit-learn:

    - `accuracy`;
    - `macro_f1`: the unweighted mean of the F1 of `labels` (by default every label that is gold
      or predicted, as scikit-learn's `f1_score(average="macro")`; a label never gold nor
      predicted correctly counts with F1 0);
    - `per_label`: `{label: {"precision", "recall", "f1", "support"}}` (`support`: gold count;
      an undefined precision or recall, with nothing to divide by, is 0);
    - `labels` and `confusion_matrix`: rows are gold labels, columns predicted ones, in the
      order of `labels` (default `label_order(gold, predicted)`).

    Raises `ValueError` when the two sequences differ in length or are empty.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    if not gold:
        raise ValueError("nothing to score: no gold labels")
    sklearn_metrics = import_extra("sklearn.metrics", "scoring predictions")
    labels = list(labels) if labels is not None else label_order(gold, predicted)
    precision, recall, f1, support = sklearn_metrics.precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    return {
        "accuracy": float(sklearn_metrics.accuracy_score(gold, predicted)),
        "macro_f1": float(f1.mean()),
        "per_label": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "labels": labels,
        "confusion_matrix": sklearn_metrics.confusion_matrix(
            gold, predicted, labels=labels
        ).tolist(),
    }
