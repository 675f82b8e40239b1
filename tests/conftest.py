import os
import random
from pathlib import Path

import pytest
import torch
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.data.data_loaders import SimpleDataLoader
from allennlp.training import GradientDescentTrainer
from hypothesis import HealthCheck, settings

from bert_cls.models import BertForClassification
from tests.cli import train
from tests.fixture_bert import BERT
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT, PROJECT_ROOT

# Property-based tests draw a fixed, bounded set of examples: the same on every run and machine,
# with no example database and no per-example deadline (shared CI cores are slow at times).
# HYPOTHESIS_PROFILE=explore draws new random examples, more of them.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.getenv("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def run_from_project_root(monkeypatch):
    # Shipped configs name fixtures and data by paths relative to the project root, as a user
    # running `allennlp train configs/...` from a clone would.
    monkeypatch.chdir(PROJECT_ROOT)


@pytest.fixture(scope="module")
def fixture_reader() -> DatasetReader:
    """The dataset reader of `configs/bert_for_classification.jsonnet`."""
    params = Params.from_file(str(CONFIGS_ROOT / "bert_for_classification.jsonnet"))
    return DatasetReader.from_params(params["dataset_reader"])


@pytest.fixture(scope="module")
def trained_model(fixture_reader) -> BertForClassification:
    """The fixture model trained until it tells the fixture texts apart (a fraction of a second)."""
    instances = list(fixture_reader.read(str(FIXTURES_ROOT / "data" / "train.jsonl")))
    vocab = Vocabulary.from_instances(instances)
    torch.manual_seed(0)
    random.seed(0)
    model = BertForClassification(vocab, BERT)
    loader = SimpleDataLoader(instances, batch_size=5, shuffle=True, vocab=vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    GradientDescentTrainer(model, optimizer, loader, num_epochs=15).train()
    return model.eval()


@pytest.fixture(scope="session")
def fixture_archive(tmp_path_factory) -> Path:
    """`model.tar.gz` of `configs/bert_for_classification.jsonnet`, trained once a session."""
    run = tmp_path_factory.mktemp("fixture_archive") / "run"
    train(run)
    return run / "model.tar.gz"


@pytest.fixture(scope="session")
def pair_fixture_archive(tmp_path_factory) -> Path:
    """`model.tar.gz` of `configs/bert_pair_classification.jsonnet`, trained once a session."""
    run = tmp_path_factory.mktemp("pair_fixture_archive") / "run"
    train(run, str(CONFIGS_ROOT / "bert_pair_classification.jsonnet"))
    return run / "model.tar.gz"
