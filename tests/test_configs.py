"""
Every shipped config is built, whole, by AllenNLP's own `TrainModel.from_params`, so none can rot.
"""

import json
from pathlib import Path

import pytest
from allennlp.commands.train import TrainModel
from allennlp.common import Params

import bert_cls  # noqa: F401
from bert_cls.common.bert_files import MINILM_PACKAGE, installed_minilm_directory
from bert_cls.models import BertForClassification
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT, SPAMASSASSIN_EXAMPLE

CONFIGS = sorted(CONFIGS_ROOT.glob("*.jsonnet"))
SPAMASSASSIN_CONFIG = SPAMASSASSIN_EXAMPLE / "spamassassin_minilm.jsonnet"
MINILM_LINK = "weights/all-MiniLM-L6-v2"


def minilm_directory() -> str:
    directory = installed_minilm_directory()
    if directory is None:
        pytest.fail(f"{MINILM_PACKAGE} is not installed: `make venv` installs it")
    return str(directory)


def test_configs_are_found():
    assert {path.name for path in CONFIGS} >= {
        "bert_for_classification.jsonnet",
        "bert_pair_classification.jsonnet",
    }


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.name)
def test_config_builds_and_runs_a_batch(config, tmp_path):
    build_and_run_a_batch(config, {}, tmp_path)


@pytest.mark.parametrize(
    "config",
    CONFIGS + sorted((CONFIGS_ROOT / "distributed").glob("*.jsonnet")) + [SPAMASSASSIN_CONFIG],
    ids=lambda path: path.name,
)
def test_validation_loader_takes_a_batch_size_in_file_order(config):
    # `allennlp evaluate --batch-size N` sets the loader's batch_size, which a batch_sampler
    # refuses; and evaluation predictions come in file order.
    loader = Params.from_file(str(config)).as_dict()["validation_data_loader"]
    assert "batch_sampler" not in loader
    assert loader["batch_size"] >= 1 and loader["shuffle"] is False


def build_and_run_a_batch(config: Path, extra_overrides: dict, tmp_path: Path) -> TrainModel:
    """Builds `config` with `extra_overrides` (on fixture data) and runs one training batch."""
    text = config.read_text()
    overrides = dict(extra_overrides)
    if not Params.from_file(str(config))["train_data_path"].startswith("fixtures/"):
        # The fixtures stand in for real data: this checks the config, not the data. (A config
        # already on fixtures, such as the sentence-pair one, keeps its own.)
        overrides["train_data_path"] = str(FIXTURES_ROOT / "data" / "train.jsonl")
        overrides["validation_data_path"] = str(FIXTURES_ROOT / "data" / "dev.jsonl")
    if MINILM_LINK in text:
        # `make demo` links weights/ to the installed package; the test reads it where it is.
        overrides["dataset_reader.token_indexers.bert.pretrained_model"] = minilm_directory()
        overrides["model.bert_model"] = minilm_directory()
    params = Params.from_file(str(config), json.dumps(overrides))
    train_model = TrainModel.from_params(
        params=params, serialization_dir=str(tmp_path), local_rank=0
    )
    assert isinstance(train_model.model, BertForClassification)
    batch = next(iter(train_model.trainer.data_loader))
    output = train_model.model(**batch)
    assert output["loss"].requires_grad
    assert output["probs"].shape[-1] == train_model.model.vocab.get_vocab_size("labels")
    return train_model
