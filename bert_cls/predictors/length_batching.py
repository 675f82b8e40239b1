"""
Length-sorted sub-batching of a prediction batch: instances of similar length in wordpieces run
together, so that short inputs are not padded to a long one.
"""

from typing import List, Sequence

from allennlp.data import Instance, Vocabulary

# A length-sorted sub-batch of a prediction batch is closed before an instance that would make
# more than this fraction of the sub-batch's wordpieces padding (see `length_sorted_batches`).
MAX_PADDING_FRACTION = 0.25


def length_sorted_batches(
    lengths: Sequence[int], max_padding_fraction: float = MAX_PADDING_FRACTION
) -> List[List[int]]:
    """
    Splits the positions `0 .. len(lengths) - 1` into sub-batches of similar length: the
    positions sorted by length (ties in their order), cut into consecutive runs, a run being
    closed before a position whose length would make more than `max_padding_fraction` of the
    run's padded size (rows times its longest length) padding. Every position is in exactly one
    sub-batch; equal lengths always share one.
    """
    batches: List[List[int]] = []
    current: List[int] = []
    total = 0
    for position in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        length = lengths[position]
        padded = (len(current) + 1) * length
        if current and padded - (total + length) > max_padding_fraction * padded:
            batches.append(current)
            current, total = [], 0
        current.append(position)
        total += length
    if current:
        batches.append(current)
    return batches


def padded_length(instance: Instance, vocab: Vocabulary) -> int:
    """
    The length of `instance`'s longest padded field (for a BERT text field, its number of
    wordpieces). Indexes `instance` with `vocab` first; a model's batch skips indexing an
    instance that is already indexed, so this costs no second indexing.
    """
    instance.index_fields(vocab)
    return max(
        (length for field in instance.get_padding_lengths().values() for length in field.values()),
        default=0,
    )
