import pytest

from bert_cls.evaluation.metrics import classification_metrics, label_order

# By hand: gold ham predicted ham 3 times and spam twice; gold spam predicted ham once and spam
# twice; one gold "other" predicted "unseen" (a label never gold).
GOLD = ["ham"] * 5 + ["spam"] * 3 + ["other"]
PREDICTED = ["ham", "ham", "ham", "spam", "spam", "spam", "ham", "spam", "unseen"]


def test_label_order_puts_frequent_gold_labels_first_then_labels_only_predicted():
    assert label_order(GOLD, PREDICTED) == ["ham", "spam", "other", "unseen"]
    assert label_order(["b", "a"], ["a", "b"]) == ["a", "b"]  # ties by name


def test_metrics_match_hand_computed_values():
    metrics = classification_metrics(GOLD, PREDICTED)
    assert metrics["labels"] == ["ham", "spam", "other", "unseen"]
    assert metrics["accuracy"] == pytest.approx(5 / 9)
    assert metrics["confusion_matrix"] == [[3, 2, 0, 0], [1, 2, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert metrics["per_label"]["ham"] == pytest.approx(
        {"precision": 3 / 4, "recall": 3 / 5, "f1": 2 / 3, "support": 5}
    )
    assert metrics["per_label"]["spam"] == pytest.approx(
        {"precision": 2 / 4, "recall": 2 / 3, "f1": 4 / 7, "support": 3}
    )
    assert metrics["per_label"]["unseen"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }
    # scikit-learn's macro average: every gold or predicted label, F1 0 for "other" and "unseen".
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 4 / 7) / 4)


def test_metrics_follow_the_given_label_order():
    metrics = classification_metrics(GOLD[:8], PREDICTED[:8], labels=["spam", "ham"])
    assert metrics["confusion_matrix"] == [[2, 1], [2, 3]]
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 4 / 7) / 2)


@pytest.mark.parametrize(
    "gold, predicted, message",
    [(["a"], ["a", "b"], "1 gold labels but 2 predictions"), ([], [], "no gold labels")],
)
def test_bad_lengths_are_refused(gold, predicted, message):
    with pytest.raises(ValueError, match=message):
        classification_metrics(gold, predicted)
