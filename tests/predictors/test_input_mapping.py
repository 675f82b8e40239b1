"""From a prediction input's JSON to the text(s) of its instance, with the input checks."""

import pytest
from allennlp.data import Instance
from allennlp.data.fields import TextField
from allennlp.data.tokenizers import Token

from bert_cls.predictors.error_records import BadPredictionInput
from bert_cls.predictors.input_mapping import check_has_words, check_is_text, single_text, with_id


def test_the_text_is_under_sentence_or_else_text():
    assert single_text({"sentence": "first", "text": "second"}) == "first"
    assert single_text({"text": "second", "id": 1}) == "second"
    with pytest.raises(BadPredictionInput, match=r"got keys \['body', 'id'\]"):
        single_text({"body": "hello", "id": 1})


@pytest.mark.parametrize(
    "value, message",
    [
        (42, "'text' must be a string, got a number ('42')"),
        (None, "'text' must be a string, got null ('null')"),
        (["a"], "'text' must be a string, got an array"),
        ({"a": 1}, "'text' must be a string, got an object"),
        (True, "'text' must be a string, got a boolean ('true')"),
    ],
)
def test_a_text_that_is_not_a_string_names_its_json_type(value, message):
    with pytest.raises(BadPredictionInput) as error:
        check_is_text("text", value)
    assert str(error.value).startswith(message)


def test_a_text_field_without_tokens_is_refused():
    check_has_words(Instance({"tokens": TextField([Token("fun")], {})}))
    with pytest.raises(BadPredictionInput, match="the text has no words"):
        check_has_words(Instance({"tokens": TextField([], {})}))


def test_the_id_is_copied_when_there_is_one():
    assert with_id({"text": "a", "id": "x"}, {"label": "pos"}) == {"label": "pos", "id": "x"}
    assert with_id({"text": "a"}, {"label": "pos"}) == {"label": "pos"}
