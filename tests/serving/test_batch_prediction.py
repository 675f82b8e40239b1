"""One batch of JSON inputs through a predictor, each input with its own result."""

import pytest
from allennlp.data import DatasetReader

from bert_cls.predictors import BadPredictionInput, BertForClassificationPredictor
from bert_cls.serving.batch_prediction import predict_json_inputs


@pytest.fixture(scope="module")
def predictor(trained_model, fixture_reader: DatasetReader) -> BertForClassificationPredictor:
    return BertForClassificationPredictor(trained_model, fixture_reader)


def test_each_input_gets_its_prediction_or_its_error(predictor):
    inputs = [
        {"text": "I love this movie !", "id": "a"},
        {"text": "  "},
        {"sentence": "a dull , boring plot"},
        {"body": "no text"},
    ]
    results = predict_json_inputs(predictor, inputs)
    for position in (0, 2):
        alone = predictor.predict_json(inputs[position])
        assert results[position].keys() == alone.keys()
        assert results[position]["label"] == alone["label"]
        assert results[position]["probs"] == pytest.approx(alone["probs"], abs=1e-6)
    assert results[0]["id"] == "a"
    assert isinstance(results[1], BadPredictionInput) and "no words" in str(results[1])
    assert isinstance(results[3], BadPredictionInput)
    assert "needs a 'sentence' or 'text' key; got keys ['body']" in str(results[3])


class OtherPredictor:
    """A predictor without `checked_instance`: only the `Predictor` JSON API."""

    def predict_batch_json(self, inputs):
        return [self.predict_json(one_input) for one_input in inputs]

    def predict_json(self, one_input):
        if not isinstance(one_input.get("x"), int):
            raise KeyError("x")
        return {"double": 2 * one_input["x"]}


def test_another_predictor_is_tried_one_input_at_a_time_when_its_batch_fails():
    good = predict_json_inputs(OtherPredictor(), [{"x": 1, "id": 9}, {"x": 2}])
    assert good == [{"double": 2, "id": 9}, {"double": 4}]
    mixed = predict_json_inputs(OtherPredictor(), [{"x": 1}, {"y": 2}, {"x": 3}])
    assert mixed[0] == {"double": 2} and mixed[2] == {"double": 6}
    assert isinstance(mixed[1], KeyError)
