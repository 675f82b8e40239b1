import pytest
import torch
from allennlp.common.checks import ConfigurationError

from bert_cls.training.metrics import PerLabelF1


def one_hot(indices):
    return torch.nn.functional.one_hot(torch.tensor(indices), num_classes=2).float()


def test_values_by_hand():
    metric = PerLabelF1(["pos", "neg"])
    # gold pos x5: predicted pos, pos, pos, pos, neg;
    # gold neg x5: predicted pos, pos, neg, neg, neg.
    gold = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    predicted = [0, 0, 0, 0, 1, 0, 0, 1, 1, 1]
    # Two batches: the counts add up.
    metric(one_hot(predicted[:4]), torch.tensor(gold[:4]))
    metric(one_hot(predicted[4:]), torch.tensor(gold[4:]))
    # pos: tp 4, fp 2, fn 1. neg: tp 3, fp 1, fn 2.
    expected = {
        "pos-precision": 4 / 6,
        "pos-recall": 4 / 5,
        "pos-f1": 8 / 11,  # 2 tp / (2 tp + fp + fn)
        "neg-precision": 3 / 4,
        "neg-recall": 3 / 5,
        "neg-f1": 6 / 9,
        "macro-f1": (8 / 11 + 6 / 9) / 2,
    }
    assert metric.get_metric() == pytest.approx(expected)
    assert metric.get_metric(reset=True) == pytest.approx(expected)
    assert metric.get_metric() == {key: 0.0 for key in expected}


def test_a_label_never_predicted_nor_seen_scores_zero():
    metric = PerLabelF1(["a", "b", "c"])
    metric(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), torch.tensor([0, 0]))
    result = metric.get_metric()
    assert result["a-precision"] == pytest.approx(1 / 1)
    assert result["a-recall"] == pytest.approx(1 / 2)
    assert result["a-f1"] == pytest.approx(2 / 3)
    assert result["b-precision"] == result["b-f1"] == result["c-f1"] == 0.0
    assert result["macro-f1"] == pytest.approx((2 / 3) / 3)


def test_before_any_batch_everything_is_zero():
    assert PerLabelF1(["x", "y"]).get_metric() == {
        "x-precision": 0.0,
        "x-recall": 0.0,
        "x-f1": 0.0,
        "y-precision": 0.0,
        "y-recall": 0.0,
        "y-f1": 0.0,
        "macro-f1": 0.0,
    }


def test_a_label_named_macro_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="'macro'"):
        PerLabelF1(["macro", "micro"])
