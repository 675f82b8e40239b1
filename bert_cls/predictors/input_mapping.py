"""
From a prediction input (a JSON object) to the text or texts the reader makes an instance of,
with the checks that name what is wrong with an input (`BadPredictionInput`).
"""

import json
from typing import Any, Dict, List

from allennlp.common.util import JsonDict
from allennlp.data import Instance
from allennlp.data.fields import TextField

from bert_cls.common.json_types import json_type_name
from bert_cls.data.dataset_readers import BadPairTextError, BertPairClassificationJsonReader
from bert_cls.predictors.error_records import BadPredictionInput, excerpt

# Where a single text may be: AllenNLP's `text_classifier` predictor's key, then the key of
# `text_classification_json` data files.
TEXT_KEYS = ("sentence", "text")
# Where the second text of a sentence pair may be, before the reader's `text_pair_key`.
PAIR_TEXT_KEYS = ("sentence_pair", "text_pair")


def single_text(json_dict: JsonDict) -> str:
    """
    The text of `json_dict`, under `"sentence"` or else `"text"`. Raises `BadPredictionInput`
    when neither key is there or the value is not a string.
    """
    key = next((key for key in TEXT_KEYS if key in json_dict), None)
    if key is None:
        raise BadPredictionInput(
            f"Prediction input needs a 'sentence' or 'text' key; got keys {sorted(json_dict)}."
        )
    check_is_text(key, json_dict[key])
    return json_dict[key]


def pair_instance(reader: BertPairClassificationJsonReader, json_dict: JsonDict) -> Instance:
    """
    The sentence-pair instance `reader` makes of `json_dict`: the first text under `"sentence"`,
    `"text"` or the reader's `text_key`, the second under `"sentence_pair"`, `"text_pair"` or its
    `text_pair_key` (the first key present, in that order). Raises `BadPredictionInput` when a
    text is missing or not a string, or the reader refuses the pair (`BadPairTextError`).
    """
    texts: List[str] = []
    for keys in ((*TEXT_KEYS, reader.text_key), (*PAIR_TEXT_KEYS, reader.text_pair_key)):
        keys = tuple(dict.fromkeys(keys))
        key = next((key for key in keys if key in json_dict), None)
        if key is None:
            raise BadPredictionInput(
                f"Sentence-pair prediction input needs one of the keys "
                f"{', '.join(repr(k) for k in keys)}; got keys {sorted(json_dict)}."
            )
        check_is_text(key, json_dict[key])
        texts.append(json_dict[key])
    try:
        return reader.text_to_instance(*texts)
    except BadPairTextError as error:
        raise BadPredictionInput(str(error)) from error


def check_is_text(key: str, value: Any) -> None:
    """Raises `BadPredictionInput` naming `key` and `value`'s JSON type unless it is a string."""
    if not isinstance(value, str):
        raise BadPredictionInput(
            f"'{key}' must be a string, got {json_type_name(value)} ({excerpt(json.dumps(value))})"
        )


def check_has_words(instance: Instance) -> None:
    """
    Raises `BadPredictionInput` when a `TextField` of `instance` has no tokens: its text was
    empty or only whitespace and control characters, which BERT's tokenizer drops.
    """
    empty = [
        name
        for name, field in instance.fields.items()
        if isinstance(field, TextField) and not field.tokens
    ]
    if empty:
        raise BadPredictionInput(
            "the text has no words: it is empty or only whitespace and control characters"
            + (f" (field {', '.join(empty)})" if len(instance.fields) > 1 else "")
        )


def with_id(inputs: JsonDict, output: Dict[str, Any]) -> Dict[str, Any]:
    """`output`, with the `"id"` of `inputs` copied into it when `inputs` has one."""
    if "id" in inputs:
        output["id"] = inputs["id"]
    return output
