"""
`bert_cls.export`: the exported files (graph, vocabulary, labels and tokenization settings), the
graph's logits against the model's, and what is refused.
"""

import copy
import json

import numpy
import onnxruntime
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, DatasetReader
from allennlp.data.tokenizers import WhitespaceTokenizer

import bert_cls  # noqa: F401
from bert_cls.export import CONFIG_FILE, MODEL_FILE, VOCAB_FILE, export_archive, export_model
from bert_cls.models import BertForClassification
from tests.fixture_bert import labels_vocab, sharp_bert
from tests.paths import CONFIGS_ROOT, FIXTURE_BERT

TEXTS = ["a very good film", "I hate this boring movie .", "fun", "the plot " * 40]


def reader_of(config: str) -> DatasetReader:
    params = Params.from_file(str(CONFIGS_ROOT / config))
    return DatasetReader.from_params(params["dataset_reader"])


@pytest.fixture(scope="module")
def exported(trained_model, fixture_reader, tmp_path_factory):
    destination = tmp_path_factory.mktemp("export") / "onnx"
    return export_model(trained_model, fixture_reader, destination), destination


def test_export_writes_the_graph_vocabulary_and_settings(exported, trained_model):
    export, destination = exported
    assert sorted(path.name for path in destination.iterdir()) == sorted(
        [MODEL_FILE, VOCAB_FILE, CONFIG_FILE]
    )
    assert (destination / VOCAB_FILE).read_text() == (FIXTURE_BERT / "vocab.txt").read_text()
    config = json.loads((destination / CONFIG_FILE).read_text())
    labels = trained_model.vocab.get_index_to_token_vocabulary("labels")
    assert config["labels"] == [labels[0], labels[1]] == export.labels
    assert config["inputs"] == ["input_ids", "token_type_ids", "attention_mask"]
    assert config["output"] == "logits"
    assert config["int8"] is False and config["opset"] == 14
    assert config["bert"]["max_position_embeddings"] == 64
    assert config["tokenizer"] == {
        "type": "bert-basic",
        "do_lower_case": True,
        "never_split": ["[CLS]", "[MASK]", "[PAD]", "[SEP]", "[UNK]"],
    }
    assert config["indexer"] == {
        "type": "bert-pretrained",
        "do_lowercase": True,
        "never_lowercase": ["[CLS]", "[MASK]", "[PAD]", "[SEP]", "[UNK]"],
        "max_pieces": 64,
        "truncation_strategy": "head",
        "head_pieces": 128,
    }
    assert config["reader"] == {
        "text_pair": False,
        "max_sequence_length": None,
        "special_tokens_in_text": "split",
    }
    assert "Attention" in export.fused_operators
    assert f"labels {export.labels}" in export.summary()


def test_the_exported_graph_gives_the_models_logits(exported, trained_model, fixture_reader):
    _, destination = exported
    instances = [fixture_reader.text_to_instance(text) for text in TEXTS]
    for instance in instances:
        fixture_reader.apply_token_indexers(instance)
    batch = Batch(instances)
    batch.index_instances(trained_model.vocab)
    tensors = batch.as_tensor_dict()
    with torch.inference_mode():
        expected = trained_model(**tensors)["logits"].numpy()
    bert = tensors["tokens"]["bert"]
    session = onnxruntime.InferenceSession(
        str(destination / MODEL_FILE), providers=["CPUExecutionProvider"]
    )
    feed = {
        "input_ids": bert["token_ids"].numpy(),
        "token_type_ids": bert["type_ids"].numpy(),
        "attention_mask": bert["wordpiece_mask"].long().numpy(),
    }
    logits = session.run(["logits"], feed)[0]
    assert numpy.abs(logits - expected).max() < 1e-4


def test_int8_export(trained_model, fixture_reader, tmp_path):
    export = export_model(trained_model, fixture_reader, tmp_path / "int8", int8=True)
    config = json.loads((tmp_path / "int8" / CONFIG_FILE).read_text())
    assert export.int8 and config["int8"] is True
    assert "int8" in export.summary()


def test_window_pooling_is_refused_naming_the_setting(tmp_path):
    model = BertForClassification(labels_vocab(), sharp_bert(0.5), window_pooling="mean")
    reader = reader_of("bert_for_classification.jsonnet")
    with pytest.raises(ConfigurationError, match="window_pooling 'mean'.*onnx_runtime"):
        export_model(model, reader, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_indexer_cutting_windows_is_refused(trained_model, tmp_path):
    reader = reader_of("bert_for_classification_long_documents.jsonnet")
    with pytest.raises(ConfigurationError, match="truncate_long_sequences false"):
        export_model(trained_model, reader, tmp_path / "out")


def test_another_tokenizer_is_refused(trained_model, fixture_reader, tmp_path):
    reader = copy.copy(fixture_reader)
    reader._tokenizer = WhitespaceTokenizer()
    with pytest.raises(ConfigurationError, match="WhitespaceTokenizer.*'bert-basic'"):
        export_model(trained_model, reader, tmp_path / "out")


def test_an_existing_destination_needs_force(trained_model, fixture_reader, tmp_path):
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "old.txt").write_text("old")
    with pytest.raises(ConfigurationError, match="already exists.*--force"):
        export_model(trained_model, fixture_reader, destination)
    export_model(trained_model, fixture_reader, destination, force=True)
    assert sorted(path.name for path in destination.iterdir()) == sorted(
        [MODEL_FILE, VOCAB_FILE, CONFIG_FILE]
    )
    assert [path.name for path in tmp_path.iterdir()] == ["out"]  # no staging left behind


def test_a_bad_opset_is_refused_before_the_archive_is_read(tmp_path):
    with pytest.raises(ConfigurationError, match="opset 99"):
        export_archive(tmp_path / "missing.tar.gz", tmp_path / "out", opset=99)


def test_a_missing_archive_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="missing.tar.gz' is not a file"):
        export_archive(tmp_path / "missing.tar.gz", tmp_path / "out")
