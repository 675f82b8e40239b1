"""Tests of `examples.spamassassin.split`: deduplication and splitting on hand-written emails."""

import random
from collections import Counter
from typing import Dict, List

import pytest

from examples.spamassassin.corpus import CorpusCounts, Email
from examples.spamassassin.split import deduplicate, split_emails, split_sizes


def synthetic_emails(ham: int = 1001, spam: int = 437) -> List[Email]:
    return [Email(f"ham-1/{i:05d}", "ham", f"ham text {i}") for i in range(ham)] + [
        Email(f"spam-1/{i:05d}", "spam", f"spam text {i}") for i in range(spam)
    ]


def ids_by_split(splits: Dict[str, List[Email]]) -> Dict[str, List[str]]:
    return {name: [email.id for email in members] for name, members in splits.items()}


def test_split_is_deterministic_and_independent_of_input_order():
    emails = synthetic_emails()
    shuffled = list(emails)
    random.Random(0).shuffle(shuffled)
    first = ids_by_split(split_emails(emails, seed=13))
    assert first == ids_by_split(split_emails(emails, seed=13))
    assert first == ids_by_split(split_emails(shuffled, seed=13))
    assert first != ids_by_split(split_emails(emails, seed=14))


def test_split_is_stratified_70_15_15_within_one_email_per_label():
    emails = synthetic_emails()
    splits = split_emails(emails)
    totals = Counter(email.label for email in emails)
    for name, share in (("train", 0.70), ("validation", 0.15), ("test", 0.15)):
        per_label = Counter(email.label for email in splits[name])
        for label, total in totals.items():
            assert abs(per_label[label] - share * total) <= 1, (name, label)


def test_split_is_a_partition_with_disjoint_ids_and_texts():
    emails = synthetic_emails()
    splits = split_emails(emails)
    ids = [email.id for members in splits.values() for email in members]
    texts = [email.text for members in splits.values() for email in members]
    assert sorted(ids) == sorted(email.id for email in emails)
    assert len(set(ids)) == len(ids)
    assert len(set(texts)) == len(texts)
    for members in splits.values():
        assert [email.id for email in members] == sorted(email.id for email in members)


@pytest.mark.parametrize("total", [0, 1, 2, 3, 7, 10, 99, 100, 101, 4108, 1802])
def test_split_sizes_add_up(total):
    train, validation, test = split_sizes(total)
    assert train + validation + test == total
    assert min(train, validation, test) >= 0
    assert abs(train - 0.7 * total) <= 0.5 and abs(validation - 0.15 * total) <= 0.5


def test_deduplicate_keeps_smallest_id_and_drops_texts_with_both_labels():
    emails = [
        Email("spam-2/00009", "spam", "same offer"),
        Email("spam-1/00003", "spam", "same offer"),
        Email("spam-1/00004", "spam", "same offer"),
        Email("easy-ham-1/00001", "ham", "ambiguous"),
        Email("spam-1/00001", "spam", "ambiguous"),
        Email("easy-ham-1/00002", "ham", "unique"),
    ]
    counts = CorpusCounts()
    kept = deduplicate(reversed(emails), counts)
    assert kept == [
        Email("easy-ham-1/00002", "ham", "unique"),
        Email("spam-1/00003", "spam", "same offer"),
    ]
    assert counts.duplicates_removed == Counter({"spam": 2})
    assert counts.conflicting_label_texts == 1
    assert counts.conflicting_label_emails == Counter({"ham": 1, "spam": 1})
    assert counts.kept == Counter({"ham": 1, "spam": 1})
