"""Where this example's files are, from its own folder (not the working directory)."""

from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = EXAMPLE_DIR.parent.parent
CONFIGS_DIR = EXAMPLE_DIR / "configs"
DATA_DIR = EXAMPLE_DIR / "data"
RUNS_DIR = PROJECT_ROOT / "runs" / "text_classification"
RESULTS_FILE = PROJECT_ROOT / "benchmarks" / "results" / "text_classification.json"
