"""The `bert_for_classification` predictor with the sentence-pair reader."""

import pytest
import torch
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary

import bert_cls  # noqa: F401
from bert_cls.models import BertForClassification
from bert_cls.predictors import BadPredictionInput, BertForClassificationPredictor
from tests.paths import CONFIGS_ROOT, FIXTURE_BERT, FIXTURES_ROOT


@pytest.fixture(scope="module")
def predictor() -> BertForClassificationPredictor:
    params = Params.from_file(str(CONFIGS_ROOT / "bert_pair_classification.jsonnet"))
    reader = DatasetReader.from_params(params["dataset_reader"])
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES_ROOT / "data" / "pair_train.jsonl")))
    torch.manual_seed(0)
    model = BertForClassification(vocab, str(FIXTURE_BERT))
    model.eval()
    return BertForClassificationPredictor(model, reader)


def test_text_and_sentence_keys_give_the_same_prediction(predictor):
    by_text = predictor.predict_json({"text": "I love it", "text_pair": "a dull plot", "id": 3})
    by_sentence = predictor.predict_json({"sentence": "I love it", "sentence_pair": "a dull plot"})
    assert by_text["label"] == by_sentence["label"] in {"same", "different"}
    assert by_text["probs"] == pytest.approx(by_sentence["probs"])
    assert by_text["id"] == 3
    # The order of the texts matters: they are different segments.
    swapped = predictor.predict_json({"text": "a dull plot", "text_pair": "I love it"})
    assert swapped["probs"] != pytest.approx(by_text["probs"], abs=1e-7)


def test_batch_matches_one_by_one(predictor):
    inputs = [
        {"text": "this movie is great", "text_pair": "I love it"},
        {"sentence": "the plot was very boring", "sentence_pair": "a fun film"},
    ]
    for one_input, output in zip(inputs, predictor.predict_batch_json(inputs)):
        assert output["probs"] == pytest.approx(
            predictor.predict_json(one_input)["probs"], abs=1e-6
        )


def test_bad_pair_input(predictor):
    with pytest.raises(
        BadPredictionInput, match=r"'sentence_pair', 'text_pair'; got keys \['text'\]"
    ):
        predictor.predict_json({"text": "I love it"})
    with pytest.raises(BadPredictionInput, match="'text_pair' must be a string"):
        predictor.predict_json({"text": "I love it", "text_pair": 3})
    with pytest.raises(BadPredictionInput, match="has no words"):
        predictor.predict_json({"text": "I love it", "text_pair": "\u0000"})


def test_typed_separators_are_text(predictor):
    typed = predictor.predict_json({"text": "I love it [SEP] fun [SEP]", "text_pair": "[CLS] bad"})
    assert typed["label"] in {"same", "different"}
    # "[SEP]" typed is the characters "[", "SEP", "]": unknown wordpieces to the fixture BERT.
    spaced = {"text": "I love it [ SEP ] fun [ SEP ]", "text_pair": "[ CLS ] bad"}
    unknown = predictor.predict_json(spaced)
    assert typed["probs"] == pytest.approx(unknown["probs"], abs=1e-6)
