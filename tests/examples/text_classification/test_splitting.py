from collections import Counter

import pytest

from examples.text_classification.splitting import label_quotas, stratified_split


def test_quotas_add_up_to_the_rounded_fraction_and_keep_every_label():
    counts = {"earn": 2840, "acq": 1596, "platinum": 1, "potato": 2, "tea": 2, "jet": 2}
    quotas = label_quotas(counts, 0.1)
    assert sum(quotas.values()) == round(0.1 * sum(counts.values()))
    assert quotas["platinum"] == 0
    for label, count in counts.items():
        assert quotas[label] in (int(0.1 * count), int(0.1 * count) + 1)
        assert count - quotas[label] >= 1


def test_a_third_of_a_balanced_set():
    assert label_quotas({"negative": 5382, "positive": 5382}, 1 / 3) == {
        "negative": 1794, "positive": 1794,
    }  # fmt: skip


def test_the_split_is_stratified_seeded_and_ordered():
    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    kept, held_out = stratified_split(labels, 0.1, seed=0)
    assert sorted(kept + held_out) == list(range(100))
    assert kept == sorted(kept) and held_out == sorted(held_out)
    assert Counter(labels[i] for i in held_out) == {"a": 5, "b": 3, "c": 2}
    assert stratified_split(labels, 0.1, seed=0) == (kept, held_out)
    assert stratified_split(labels, 0.1, seed=1) != (kept, held_out)


@pytest.mark.parametrize("fraction", [0, 1, 1.5])
def test_fractions_outside_zero_to_one_are_refused(fraction):
    with pytest.raises(ValueError, match="fraction must be between 0 and 1"):
        label_quotas({"a": 3}, fraction)
