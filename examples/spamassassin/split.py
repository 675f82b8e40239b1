"""
Deduplication and the deterministic, stratified train / validation / test split: within each
label, emails are ordered by the sha256 of `f"{seed}:{id}"`; the first `TRAIN_PERCENT` go to
train, the next `VALIDATION_PERCENT` to validation and the rest to test.
"""

import hashlib
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

from examples.spamassassin.corpus import SPLITS, CorpusCounts, Email

DEFAULT_SEED = 13
TRAIN_PERCENT = 70
VALIDATION_PERCENT = 15


def deduplicate(emails: Iterable[Email], counts: CorpusCounts) -> List[Email]:
    """
    One email per distinct text, the one with the smallest id. A text that occurs with both
    labels says nothing about the labels, so all its copies are dropped. Returned in id order;
    what was dropped and kept is added to `counts`.
    """
    by_text: Dict[str, List[Email]] = defaultdict(list)
    for email in emails:
        by_text[email.text].append(email)
    kept = []
    for copies in by_text.values():
        if len({email.label for email in copies}) > 1:
            counts.conflicting_label_texts += 1
            counts.conflicting_label_emails.update(email.label for email in copies)
            continue
        counts.duplicates_removed[copies[0].label] += len(copies) - 1
        kept.append(min(copies, key=lambda email: email.id))
    counts.kept.update(email.label for email in kept)
    return sorted(kept, key=lambda email: email.id)


def split_key(email_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{email_id}".encode("utf-8")).hexdigest()


def split_sizes(total: int) -> Tuple[int, int, int]:
    """Train and validation sizes rounded half up (in integers, so exact); test takes the rest."""
    train = (total * TRAIN_PERCENT + 50) // 100
    validation = (total * VALIDATION_PERCENT + 50) // 100
    return train, validation, total - train - validation


def split_emails(emails: Iterable[Email], seed: int = DEFAULT_SEED) -> Dict[str, List[Email]]:
    """
    Stratified split by a seeded hash of each id, so the result depends neither on the order
    of `emails` nor on anything but the ids, labels and seed. Each split is ordered by id.
    """
    by_label: Dict[str, List[Email]] = defaultdict(list)
    for email in emails:
        by_label[email.label].append(email)
    splits: Dict[str, List[Email]] = {name: [] for name in SPLITS}
    for label in sorted(by_label):
        ordered = sorted(by_label[label], key=lambda email: (split_key(email.id, seed), email.id))
        train, validation, _ = split_sizes(len(ordered))
        splits["train"].extend(ordered[:train])
        splits["validation"].extend(ordered[train : train + validation])
        splits["test"].extend(ordered[train + validation :])
    return {name: sorted(members, key=lambda email: email.id) for name, members in splits.items()}
