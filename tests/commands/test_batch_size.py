"""
`--batch-size` of `allennlp evaluate` and `allennlp predict` on archives of every shipped config
(the distributed one in `test_distributed.py`): their validation loaders take a plain
`batch_size`, which `--batch-size` replaces.
"""

from pathlib import Path

import pytest

from tests.cli import assert_archive_takes_batch_sizes
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT
from tests.test_configs import SPAMASSASSIN_CONFIG, minilm_directory

pytestmark = pytest.mark.slow

CONFIGS = sorted(CONFIGS_ROOT.glob("*.jsonnet")) + [SPAMASSASSIN_CONFIG]
DATA = FIXTURES_ROOT / "data"


def fixture_data(config: Path) -> dict:
    """The fixture files to evaluate and predict an archive of `config` on."""
    if "pair" in config.name:
        return {"evaluate": DATA / "pair_dev.jsonl", "predict": DATA / "pair_predict.jsonl"}
    return {"evaluate": DATA / "dev.jsonl", "predict": DATA / "predict.jsonl"}


def training_overrides(config: Path) -> dict:
    if config != SPAMASSASSIN_CONFIG:
        return {}
    minilm = minilm_directory()
    return {
        "train_data_path": str(DATA / "train.jsonl"),
        "validation_data_path": str(DATA / "dev.jsonl"),
        "dataset_reader.token_indexers.bert.pretrained_model": minilm,
        "model.bert_model": minilm,
    }


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.name)
def test_batch_size_works_for_evaluate_and_predict(config, trained_archive, tmp_path):
    archive = trained_archive(config, training_overrides(config))
    data = fixture_data(config)
    assert_archive_takes_batch_sizes(archive, data["evaluate"], data["predict"], tmp_path)
