"""What the data preparation steps pass to each other: emails, counts, and their one error."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict

SPLITS = ("train", "validation", "test")


class SpamAssassinDataError(Exception):
    """A problem with the package, the shipped split or the environment, said in one line."""


@dataclass(frozen=True)
class Email:
    id: str
    label: str
    text: str


@dataclass
class CorpusCounts:
    """What happened to the package's emails; the `Counter`s count per label."""

    emails: Counter = field(default_factory=Counter)
    raw_from_json: int = 0
    empty_text: Counter = field(default_factory=Counter)
    duplicates_removed: Counter = field(default_factory=Counter)
    conflicting_label_texts: int = 0
    conflicting_label_emails: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    per_split: Dict[str, Counter] = field(default_factory=dict)


def per_label(counter: Counter) -> str:
    """`"<total> (ham <n>, spam <n>)"`."""
    return f"{sum(counter.values())} (ham {counter['ham']}, spam {counter['spam']})"
