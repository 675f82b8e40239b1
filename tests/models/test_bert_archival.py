"""
`bert_cls.models.bert_archival` through AllenNLP's own archive functions: `archive_model`,
`load_archive`, `Predictor.from_path`.
"""

import json
import shutil
from pathlib import Path

import pytest
import torch
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.models.archival import archive_model, load_archive
from allennlp.predictors import Predictor

import bert_cls  # noqa: F401
from bert_cls.common.wordpiece_vocabulary import WORDPIECE_NAMESPACE, wordpieces_of
from bert_cls.models import BertForClassification
from bert_cls.models.bert_archival import (
    BERT_CONFIG_BUFFER,
    bert_config_buffer,
    bert_config_from_buffer,
)
from bert_cls.modules import bert_loading
from tests.paths import CONFIGS_ROOT, FIXTURE_BERT, FIXTURES_ROOT

TEXTS = ["a very good film", "I hate it", "dull"]


def write_archive(tmp_path: Path, bert: Path) -> Path:
    """What `allennlp train` writes, made by hand: config, vocabulary, weights, the archive."""
    return write_archive_of_model(tmp_path, bert)[0]


def write_archive_of_model(tmp_path: Path, bert: Path):
    """`write_archive`, also returning the model archived and its reader."""
    params = Params.from_file(str(CONFIGS_ROOT / "bert_for_classification.jsonnet"))
    config = params.as_dict()
    config["model"]["bert_model"] = str(bert)
    config["dataset_reader"]["token_indexers"]["bert"]["pretrained_model"] = str(bert)
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(config))
    reader = DatasetReader.from_params(Params(config["dataset_reader"]))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES_ROOT / "data" / "train.jsonl")))
    torch.manual_seed(0)
    model = BertForClassification(vocab, str(bert))
    vocab.save_to_files(str(run / "vocabulary"))
    torch.save(model.state_dict(), run / "best.th")
    archive_model(run, weights="best.th")
    return run / "model.tar.gz", model, reader


@pytest.fixture
def archive(tmp_path) -> Path:
    bert = shutil.copytree(FIXTURE_BERT, tmp_path / "bert")
    archive = write_archive(tmp_path, bert)
    shutil.rmtree(bert)
    return archive


def test_the_config_round_trips_through_the_buffer():
    config = json.loads((FIXTURE_BERT / "bert_config.json").read_text())
    buffer = bert_config_buffer(config)
    assert buffer.dtype == torch.uint8
    assert bert_config_from_buffer(buffer) == config


def test_a_model_built_from_a_checkpoint_keeps_its_config_and_wordpieces():
    vocab = Vocabulary()
    model = BertForClassification(vocab, str(FIXTURE_BERT), num_labels=2)
    stored = bert_config_from_buffer(model.state_dict()[BERT_CONFIG_BUFFER])
    assert stored == json.loads((FIXTURE_BERT / "bert_config.json").read_text())
    assert wordpieces_of(vocab) == (FIXTURE_BERT / "vocab.txt").read_text().splitlines()


def test_load_archive_reads_no_pretrained_checkpoint(archive, tmp_path, monkeypatch):
    def no_checkpoint(*args, **kwargs):
        raise AssertionError("a pretrained checkpoint was read")

    monkeypatch.setattr(bert_loading, "load_bert_directory", no_checkpoint)
    monkeypatch.chdir(tmp_path)
    loaded = load_archive(str(archive))
    assert isinstance(loaded.model, BertForClassification)
    assert WORDPIECE_NAMESPACE in loaded.model.vocab.get_namespaces()


def test_predictor_from_path_predicts_as_the_archived_model(tmp_path, monkeypatch):
    bert = shutil.copytree(FIXTURE_BERT, tmp_path / "bert")
    archive, model, reader = write_archive_of_model(tmp_path, bert)
    shutil.rmtree(bert)
    reference = Predictor.by_name("bert_for_classification")(model, reader)
    expected = reference.predict_batch_json([{"text": text} for text in TEXTS])
    monkeypatch.chdir(tmp_path)
    outputs = Predictor.from_path(str(archive)).predict_batch_json([{"text": t} for t in TEXTS])
    for output, one_expected in zip(outputs, expected):
        assert output["label"] == one_expected["label"] in {"pos", "neg"}
        assert output["probs"] == pytest.approx(one_expected["probs"], abs=1e-6)


def test_an_earlier_archive_still_loads_where_its_paths_exist(tmp_path):
    # bert_model given as the fixture's path, which exists: the archive's own files are not needed.
    archive = write_archive(tmp_path, FIXTURE_BERT)
    loaded = load_archive(str(archive))
    assert isinstance(loaded.model, BertForClassification)
