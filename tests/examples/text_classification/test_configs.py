"""Each data set's config builds, whole, and trains a batch (on the fixture data)."""

import pytest
from allennlp.common import Params

from examples.text_classification.datasets import DATASETS
from tests.test_configs import build_and_run_a_batch, minilm_directory


@pytest.fixture(autouse=True)
def minilm_weights(monkeypatch):
    monkeypatch.setenv("MINILM_DIR", minilm_directory())


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_the_config_builds_and_trains_a_batch(name, tmp_path):
    train_model = build_and_run_a_batch(DATASETS[name].config, {}, tmp_path)
    assert train_model.model.bert_model.config.hidden_size == 384  # all-MiniLM-L6-v2
    assert "macro-f1" in train_model.model.get_metrics()


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_the_config_reads_its_prepared_data_and_resumes_safely(name):
    params = Params.from_file(str(DATASETS[name].config)).as_dict()
    data = f"examples/text_classification/data/{name}/"
    assert params["train_data_path"] == data + "train.jsonl"
    assert params["validation_data_path"] == data + "validation.jsonl"
    # The run command resumes killed trainings: a checkpoint must never be left half-written.
    assert params["trainer"]["checkpointer"]["type"] == "atomic"
    assert params["trainer"]["validation_metric"] == "+accuracy"


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_the_validation_loader_takes_a_batch_size_in_file_order(name):
    # As every shipped config's (tests/test_configs.py): `allennlp evaluate --batch-size N` works.
    loader = Params.from_file(str(DATASETS[name].config)).as_dict()["validation_data_loader"]
    assert "batch_sampler" not in loader
    assert loader["batch_size"] >= 1 and loader["shuffle"] is False
