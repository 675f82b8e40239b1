"""
What preparing a data set produces, before it is written: the examples of each split and what
its README says about where they come from.
"""

from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Sequence

from examples.text_classification.packages import PinnedPackage
from examples.text_classification.source_formats import Document
from examples.text_classification.splitting import stratified_split

SPLITS = ("train", "validation", "test")
SPLIT_SEED = 0
VALIDATION_FRACTION = 0.1  # of the published training split, as TextGCN holds out


class Example(NamedTuple):
    """One line of a written split: `{"id": ..., "text": ..., "label": ...}`."""

    id: str
    text: str
    label: str


@dataclass
class PreparedDataset:
    """
    A data set ready to be written: `splits` maps each of `SPLITS` to its examples; `source`,
    `license` and `differences` are the README's paragraphs (Markdown); `facts` are further
    measured figures the README lists (label: value).
    """

    name: str
    title: str
    packages: Sequence[PinnedPackage]
    splits: Dict[str, List[Example]]
    source: str
    license: str
    differences: List[str]
    facts: Dict[str, str] = field(default_factory=dict)

    def labels(self) -> List[str]:
        return sorted({example.label for examples in self.splits.values() for example in examples})


def examples_of(documents: Sequence[Document], id_prefix: str) -> List[Example]:
    return [Example(f"{id_prefix}-{doc.row}", doc.text, doc.label) for doc in documents]


def hold_out(
    examples: Sequence[Example], fraction: float, seed: int = SPLIT_SEED
) -> Dict[str, List[Example]]:
    """`{"kept": ..., "held_out": ...}`: a seeded, stratified `fraction` of `examples` held out."""
    kept, held_out = stratified_split([example.label for example in examples], fraction, seed)
    return {
        "kept": [examples[i] for i in kept],
        "held_out": [examples[i] for i in held_out],
    }


def published_split_with_validation(
    train: Sequence[Example], test: Sequence[Example]
) -> Dict[str, List[Example]]:
    """The published test split as it is; validation a seeded, stratified 10% of its train."""
    parts = hold_out(train, VALIDATION_FRACTION)
    return {"train": parts["kept"], "validation": parts["held_out"], "test": list(test)}
