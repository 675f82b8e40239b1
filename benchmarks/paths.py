"""
Every file and directory the benchmarks read or write, relative to the project root.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The SpamAssassin example's config and shipped split, read as files (the example is not imported).
SPAMASSASSIN_EXAMPLE = PROJECT_ROOT / "examples" / "spamassassin"
SPAMASSASSIN_CONFIG = SPAMASSASSIN_EXAMPLE / "spamassassin_minilm.jsonnet"
SPAMASSASSIN_SPLIT = SPAMASSASSIN_EXAMPLE / "data"  # {train,validation,test}.jsonl.gz

# The fixture-scale config that `benchmarks.predict_memory` trains when given no archive.
FIXTURE_CONFIG = PROJECT_ROOT / "configs" / "bert_for_classification.jsonnet"

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
SPEED_MEMORY_OUTPUT = RESULTS / "speed_memory.json"
SPEED_MEMORY_QUICK_OUTPUT = RESULTS / "speed_memory_quick.json"


def relative(path: Path) -> str:
    """`path` as written from the project root (for settings, help texts and messages)."""
    return str(path.relative_to(PROJECT_ROOT))
