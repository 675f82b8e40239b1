import gzip
import json
from typing import Dict, List

import pytest

from tests.paths import SPAMASSASSIN_DATA

SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="session")
def shipped() -> Dict[str, List[dict]]:
    """The shipped split's rows, per split."""
    splits = {}
    for name in SPLITS:
        with gzip.open(SPAMASSASSIN_DATA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as file:
            splits[name] = [json.loads(line) for line in file]
    return splits
