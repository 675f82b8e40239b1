import json
import logging
import shutil

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Vocabulary
from allennlp.predictors import Predictor

import bert_cls  # noqa: F401
from bert_cls.models import BertForClassification
from bert_cls.predictors import BertForClassificationPredictor
from tests.fixture_bert import labels_vocab
from tests.paths import CONFIGS_ROOT, FIXTURE_BERT, FIXTURES_ROOT


@pytest.fixture(scope="module")
def predictor() -> BertForClassificationPredictor:
    params = Params.from_file(str(CONFIGS_ROOT / "bert_for_classification.jsonnet"))
    reader = DatasetReader.from_params(params["dataset_reader"])
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES_ROOT / "data" / "train.jsonl")))
    torch.manual_seed(0)
    model = BertForClassification(vocab, str(FIXTURE_BERT))
    return BertForClassificationPredictor(model, reader)


def test_registered_as_the_models_default_predictor():
    assert Predictor.by_name("bert_for_classification") is BertForClassificationPredictor
    assert BertForClassification.default_predictor == "bert_for_classification"


@pytest.mark.parametrize("key", ["sentence", "text"])
def test_sentence_and_text_give_the_same_prediction(predictor, key):
    output = predictor.predict_json({key: "I love this movie !"})
    reference = predictor.predict("I love this movie !")
    assert output["label"] == reference["label"] in {"pos", "neg"}
    assert output["probs"] == pytest.approx(reference["probs"])


def test_output_names_each_label_with_its_probability(predictor):
    output = predictor.predict("a dull plot")
    assert set(output["label_probs"]) == {"pos", "neg"}
    assert sum(output["label_probs"].values()) == pytest.approx(1.0)
    assert output["label"] == max(output["label_probs"], key=output["label_probs"].get)
    labels = predictor._model.vocab.get_index_to_token_vocabulary("labels")
    assert output["label_probs"] == {labels[i]: p for i, p in enumerate(output["probs"])}


def test_batch_prediction_matches_one_by_one_and_keeps_ids(predictor):
    inputs = [
        {"text": "a very good film", "id": "a"},
        {"sentence": "I hate it", "id": 7},
        {"text": "bad"},
    ]
    batch = predictor.predict_batch_json(inputs)
    assert [output.get("id") for output in batch] == ["a", 7, None]
    for one_input, output in zip(inputs, batch):
        single = predictor.predict_json(one_input)
        assert output["label"] == single["label"]
        assert output["probs"] == pytest.approx(single["probs"], abs=1e-6)


def test_input_without_text_is_refused_with_its_keys(predictor):
    with pytest.raises(
        ConfigurationError, match=r"'sentence' or 'text' key; got keys \['body', 'id'\]"
    ):
        predictor.predict_json({"body": "hello", "id": 1})


class FailsOnPoison:
    """Wraps `forward_on_instances` to fail on any batch holding an instance with a given word."""

    def __init__(self, model, word: str) -> None:
        self.forward_on_instances = model.forward_on_instances
        self.word = word
        self.batch_sizes = []

    def __call__(self, instances):
        self.batch_sizes.append(len(instances))
        if any(self.word in str(instance["tokens"].tokens) for instance in instances):
            raise RuntimeError("poisoned batch")
        return self.forward_on_instances(instances)


def test_a_batch_the_model_fails_on_is_predicted_one_at_a_time(predictor, monkeypatch):
    failing = FailsOnPoison(predictor._model, "boring")
    monkeypatch.setattr(predictor._model, "forward_on_instances", failing)
    lines = ['{"text": "a good film"}', '{"text": "boring plot", "id": 3}', '{"text": "bad"}']
    outputs = predictor.predict_batch_json([predictor.load_line(line) for line in lines])
    assert [set(output) >= {"label", "probs"} for output in outputs] == [True, False, True]
    assert outputs[1]["id"] == 3 and outputs[1]["input_line"] == predictor._lines_loaded - 1
    assert (
        "the model could not predict this input (RuntimeError: poisoned batch)"
        in (outputs[1]["error"])
    )
    assert failing.batch_sizes[0] > 1 and failing.batch_sizes[-3:] == [1, 1, 1]
    good = predictor.predict_batch_json([{"text": "a good film"}, {"text": "bad"}])
    assert good[0]["probs"] == pytest.approx(outputs[0]["probs"], abs=1e-6)
    assert good[1]["probs"] == pytest.approx(outputs[2]["probs"], abs=1e-6)


def test_from_python_a_failing_input_raises(predictor, monkeypatch):
    monkeypatch.setattr(
        predictor._model, "forward_on_instances", FailsOnPoison(predictor._model, "boring")
    )
    with pytest.raises(ValueError, match="poisoned batch"):
        predictor.predict_batch_json([{"text": "a good film"}, {"text": "boring plot"}])


def test_one_input_the_model_fails_on_gets_its_error_record(predictor, monkeypatch):
    # `allennlp predict --batch-size 1` hands each line to predict_json.
    monkeypatch.setattr(
        predictor._model, "forward_on_instances", FailsOnPoison(predictor._model, "boring")
    )
    output = predictor.predict_json(predictor.load_line('{"text": "boring plot", "id": 4}'))
    assert output == {
        "error": "the model could not predict this input (RuntimeError: poisoned batch)",
        "input_line": predictor._lines_loaded,
        "id": 4,
    }
    with pytest.raises(ValueError, match="poisoned batch"):
        predictor.predict_json({"text": "boring plot"})
    assert predictor.predict_json({"text": "a good film"})["label"] in {"pos", "neg"}


def test_the_readers_max_pieces_is_lowered_to_the_models_positions(tmp_path, caplog):
    # An indexer that cannot see the BERT's config (as in an archive whose BERT path is gone)
    # keeps max_pieces 512; the predictor fits it to the model's 64 positions.
    shutil.copy(FIXTURE_BERT / "vocab.txt", tmp_path / "vocab.txt")
    params = Params.from_file(
        str(CONFIGS_ROOT / "bert_for_classification.jsonnet"),
        json.dumps(
            {
                "dataset_reader.token_indexers.bert.pretrained_model": str(tmp_path / "vocab.txt"),
                "dataset_reader.token_indexers.bert.max_pieces": 512,
            }
        ),
    )
    reader = DatasetReader.from_params(params["dataset_reader"])
    indexer = reader._token_indexers["bert"]
    assert indexer.max_pieces == 512
    model = BertForClassification(labels_vocab(), str(FIXTURE_BERT))
    with caplog.at_level(logging.WARNING):
        long_predictor = BertForClassificationPredictor(model, reader)
    assert indexer.max_pieces == 64
    assert (
        "The bert-pretrained indexer's max_pieces=512 is more than the model's BERT takes "
        "(max_position_embeddings 64): using max_pieces=64." in caplog.text
    )
    outputs = long_predictor.predict_batch_json([{"text": "a good film " * 40}, {"text": "fun"}])
    assert [output["label"] in {"pos", "neg"} for output in outputs] == [True, True]
