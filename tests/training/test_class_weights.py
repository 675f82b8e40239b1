import math

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance, Vocabulary
from allennlp.data.fields import LabelField

from bert_cls.training.class_weights import (
    balanced_class_weights,
    class_weight_tensor,
    class_weights_are_known,
    label_counts,
)


def vocab_from_labels(*labels: str, **kwargs) -> Vocabulary:
    return Vocabulary.from_instances(
        [Instance({"label": LabelField(label)}) for label in labels], **kwargs
    )


def test_balanced_weights_by_hand():
    # 10 samples, 3 classes: n_samples / (n_classes * count).
    assert balanced_class_weights({"a": 6, "b": 3, "c": 1}) == {
        "a": pytest.approx(10 / 18),
        "b": pytest.approx(10 / 9),
        "c": pytest.approx(10 / 3),
    }


def test_label_counts_come_from_the_instances_the_vocabulary_was_built_from():
    vocab = vocab_from_labels(*"aaaaaabbbc")
    assert label_counts(vocab, "labels") == {"a": 6, "b": 3, "c": 1}
    tensor = class_weight_tensor("balanced", vocab, "labels", 3)
    by_label = {vocab.get_token_from_index(i, "labels"): w for i, w in enumerate(tensor.tolist())}
    assert by_label == {
        "a": pytest.approx(10 / 18),
        "b": pytest.approx(10 / 9),
        "c": pytest.approx(10 / 3),
    }


def test_a_vocabulary_loaded_from_files_has_no_counts(tmp_path):
    vocab_from_labels("a", "b").save_to_files(str(tmp_path))
    loaded = Vocabulary.from_files(str(tmp_path))
    assert label_counts(loaded, "labels") is None
    tensor = class_weight_tensor("balanced", loaded, "labels", 2)
    assert torch.isnan(tensor).all()
    assert not class_weights_are_known(tensor)


def test_counts_that_lack_the_namespace_are_a_configuration_error():
    expected = r"counted nothing in namespace 'topics' \(counted: \['labels'\]\)"
    with pytest.raises(ConfigurationError, match=expected):
        label_counts(vocab_from_labels("a"), "topics")


def test_a_label_added_without_instances_cannot_be_balanced():
    vocab = vocab_from_labels("a", "b", tokens_to_add={"labels": ["c"]})
    assert label_counts(vocab, "labels") == {"a": 1, "b": 1, "c": 0}
    with pytest.raises(ConfigurationError, match=r"occur in no instance.*\['c'\]"):
        class_weight_tensor("balanced", vocab, "labels", 3)


def test_mapping_weights_and_one_for_the_rest():
    vocab = vocab_from_labels("a", "b", "c")
    tensor = class_weight_tensor({"b": 4.0}, vocab, "labels", 5)
    assert tensor[vocab.get_token_index("b", "labels")] == 4.0
    assert sorted(tensor.tolist()) == [1.0, 1.0, 1.0, 1.0, 4.0]
    assert class_weights_are_known(tensor)


def test_unknown_label_in_a_mapping_is_named_with_the_known_ones():
    vocab = vocab_from_labels("pos", "neg")
    with pytest.raises(ConfigurationError, match=r"\['spam'\]; known labels: \['neg', 'pos'\]"):
        class_weight_tensor({"spam": 2.0, "pos": 1.0}, vocab, "labels", 2)


def test_negative_weight_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match=r"negative for: \['a'\]"):
        class_weight_tensor({"a": -1.0}, vocab_from_labels("a"), "labels", 1)


def test_other_strings_are_a_configuration_error():
    with pytest.raises(ConfigurationError, match="'balance'"):
        class_weight_tensor("balance", vocab_from_labels("a"), "labels", 1)


def test_nan_means_unknown():
    assert not class_weights_are_known(torch.tensor([1.0, math.nan]))
