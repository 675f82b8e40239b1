"""`length_sorted_batches`: a prediction batch cut into sub-batches of similar length."""

import random

from bert_cls.predictors.length_batching import MAX_PADDING_FRACTION, length_sorted_batches


def test_length_sorted_batches_cover_every_position_once_in_length_order():
    lengths = [random.Random(i).randint(1, 200) for i in range(300)]
    batches = length_sorted_batches(lengths)
    flat = [position for batch in batches for position in batch]
    assert flat == sorted(range(len(lengths)), key=lambda i: lengths[i])
    for batch in batches:
        padded = len(batch) * max(lengths[i] for i in batch)
        assert padded - sum(lengths[i] for i in batch) <= MAX_PADDING_FRACTION * padded
    assert 1 < len(batches) < len(lengths)


def test_length_sorted_batches_keep_a_batch_of_similar_lengths_whole():
    assert length_sorted_batches([7] * 32) == [list(range(32))]
    assert length_sorted_batches([10, 9, 11, 10, 12]) == [[1, 0, 3, 2, 4]]
    assert length_sorted_batches([5, 60, 5, 5]) == [[0, 2, 3], [1]]
    assert length_sorted_batches([]) == []
    assert length_sorted_batches([4]) == [[0]]
