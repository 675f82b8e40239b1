"""
Per-class weights for the cross-entropy loss, from a label -> weight mapping or `"balanced"`.

`"balanced"` weights each class by `n_samples / (n_classes * count_c)` (as scikit-learn's
`compute_class_weight("balanced")`), from the label counts of the instances the `Vocabulary` was
built from. AllenNLP's `Vocabulary` keeps those counts after `from_instances` (and
`from_files_and_instances`), for `print_statistics`; a vocabulary loaded from files has none.
"""

import logging
from typing import Dict, Mapping, Optional, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary

logger = logging.getLogger(__name__)

BALANCED = "balanced"

ClassWeights = Union[Dict[str, float], str]


def class_weight_tensor(
    class_weights: ClassWeights, vocab: Vocabulary, namespace: str, num_labels: int
) -> torch.Tensor:
    """
    The weight of each of the `num_labels` classes, by label index in `namespace`. Classes beyond
    the vocabulary's labels (when `num_labels` is larger) get weight 1.0. With `"balanced"` and a
    vocabulary that holds no label counts, every weight is NaN: "not known", to be filled in from
    the state dict of a saved model (see `class_weights_are_known`).
    """
    if isinstance(class_weights, str):
        if class_weights != BALANCED:
            raise ConfigurationError(
                f"class_weights must be a mapping of label to weight or {BALANCED!r}, "
                f"got {class_weights!r}."
            )
        counts = label_counts(vocab, namespace)
        if counts is None:
            logger.info(
                "class_weights 'balanced': the vocabulary holds no label counts (it was not built "
                "from instances); the weights must come from the saved model's state."
            )
            return torch.full((num_labels,), float("nan"))
        weights = balanced_class_weights(counts)
    else:
        weights = mapped_class_weights(class_weights, vocab, namespace)
    tensor = torch.ones(num_labels)
    for label, weight in weights.items():
        tensor[vocab.get_token_index(label, namespace)] = weight
    return tensor


def class_weights_are_known(weights: torch.Tensor) -> bool:
    return not bool(torch.isnan(weights).any())


def label_counts(vocab: Vocabulary, namespace: str) -> Optional[Dict[str, int]]:
    """
    How often each label of `namespace` was counted when `vocab` was built from instances, or
    `None` when it holds no counts at all (a vocabulary loaded from files). Labels the vocabulary
    added without counting them (`tokens_to_add`) count 0.
    """
    # AllenNLP 2.x keeps the counter `from_instances` built the vocabulary from (private, but
    # pickled with the vocabulary and read by its public `print_statistics`).
    counter = getattr(vocab, "_retained_counter", None)
    if not counter:
        return None
    if namespace not in counter:
        raise ConfigurationError(
            f"class_weights 'balanced' needs label counts, but the instances the vocabulary was "
            f"built from counted nothing in namespace '{namespace}' (counted: {sorted(counter)})."
        )
    counted = counter[namespace]
    labels = vocab.get_token_to_index_vocabulary(namespace)
    return {label: counted.get(label, 0) for label in labels}


def balanced_class_weights(counts: Mapping[str, int]) -> Dict[str, float]:
    """`n_samples / (n_classes * count_c)` for each label `c` of `counts`."""
    uncounted = sorted(label for label, count in counts.items() if count <= 0)
    if uncounted:
        raise ConfigurationError(
            f"class_weights 'balanced' cannot weight labels that occur in no instance the "
            f"vocabulary was built from: {uncounted}. Give class_weights as a mapping instead."
        )
    n_samples = sum(counts.values())
    return {label: n_samples / (len(counts) * count) for label, count in counts.items()}


def mapped_class_weights(
    class_weights: Mapping[str, float], vocab: Vocabulary, namespace: str
) -> Dict[str, float]:
    known = vocab.get_token_to_index_vocabulary(namespace)
    unknown = sorted(label for label in class_weights if label not in known)
    if unknown:
        raise ConfigurationError(
            f"class_weights names labels that are not in the vocabulary namespace "
            f"'{namespace}': {unknown}; known labels: {sorted(known)}."
        )
    negative = sorted(label for label, weight in class_weights.items() if weight < 0)
    if negative:
        raise ConfigurationError(f"class_weights must not be negative; negative for: {negative}.")
    return dict(class_weights)
