"""
Where the example's files are, all from this folder's own location, so that its commands work
from any working directory.
"""

from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parent
# The clone that holds `examples/`; the demo's runs and the weights link go here.
PROJECT_ROOT = EXAMPLE_DIR.parents[1]

CONFIG = EXAMPLE_DIR / "spamassassin_minilm.jsonnet"
# The shipped split: `{train,validation,test}.jsonl.gz`, `SHA256SUMS`, `README.md`.
SHIPPED_SPLIT = EXAMPLE_DIR / "data"
# Plain `.jsonl` files unpacked from the shipped split (ignored by git).
UNPACKED_SPLIT = SHIPPED_SPLIT / "jsonl"
# A link to the installed all-MiniLM-L6-v2 weights, the path the config names for a manual
# `allennlp train` from the project root.
WEIGHTS_LINK = PROJECT_ROOT / "weights" / "all-MiniLM-L6-v2"
RUNS = PROJECT_ROOT / "runs"
