"""Tests of `examples.spamassassin.data_readme`: the shipped README's counts match the split."""

import re
from collections import Counter

from tests.paths import SPAMASSASSIN_DATA as SHIPPED_DIR


def test_shipped_counts_add_up_to_the_deduplicated_total(shipped):
    readme = (SHIPPED_DIR / "README.md").read_text(encoding="utf-8")
    kept = int(re.search(r"^- Kept: (\d+)", readme, re.M).group(1))
    assert sum(len(rows) for rows in shipped.values()) == kept
    for name, rows in shipped.items():
        labels = Counter(row["label"] for row in rows)
        assert f"| {name} | {labels['ham']} | {labels['spam']} | {len(rows)} |" in readme
