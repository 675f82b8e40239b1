"""
Seeded, stratified splitting that also takes labels with a single document (R52 has one), which
scikit-learn's stratified splitters refuse. Deterministic across Python versions: it draws only
from `random.Random(seed)`, whose `shuffle` is stable.
"""

import math
import random
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple


def label_quotas(counts: Dict[str, int], fraction: float) -> Dict[str, int]:
    """
    How many documents of each label go to the held-out part so that it holds exactly
    `round(fraction * total)` documents, each label as close to `fraction` of its documents as
    whole numbers allow (largest remainders, ties by label name), and every label keeps at least
    one document in the other part.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    total = sum(counts.values())
    target = round(fraction * total)
    quotas = {label: math.floor(fraction * count) for label, count in counts.items()}
    by_remainder = sorted(counts, key=lambda label: (-(fraction * counts[label] % 1), label))
    for label in by_remainder:
        if sum(quotas.values()) >= target:
            break
        if quotas[label] < counts[label] - 1:
            quotas[label] += 1
    return quotas


def stratified_split(
    labels: Sequence[str], fraction: float, seed: int
) -> Tuple[List[int], List[int]]:
    """
    Splits the positions `0 .. len(labels) - 1` into (kept, held out), holding out
    `label_quotas(...)` positions of each label, drawn with `random.Random(seed)`. Both lists
    are in increasing order, so each part keeps the order of the source.
    """
    positions: Dict[str, List[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        positions[label].append(position)
    quotas = label_quotas({label: len(found) for label, found in positions.items()}, fraction)
    generator = random.Random(seed)
    held_out = []
    for label in sorted(positions):
        shuffled = list(positions[label])
        generator.shuffle(shuffled)
        held_out.extend(shuffled[: quotas[label]])
    held_out_set = set(held_out)
    kept = [position for position in range(len(labels)) if position not in held_out_set]
    return kept, sorted(held_out)
