from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_ROOT = PROJECT_ROOT / "fixtures"
CONFIGS_ROOT = PROJECT_ROOT / "configs"
FIXTURE_BERT = FIXTURES_ROOT / "bert"
SPAMASSASSIN_EXAMPLE = PROJECT_ROOT / "examples" / "spamassassin"
SPAMASSASSIN_DATA = SPAMASSASSIN_EXAMPLE / "data"
