"""
The demo page served at `/`: a text box per input field, a Predict button, the predicted label
and a bar per label probability, or the error message of a bad input. Plain HTML with a little
JavaScript (`static/index.html`, shipped as package data); it fetches nothing but `predict`.
"""

import html
import json
from importlib import resources
from string import Template
from typing import List, Sequence

from allennlp.data import DatasetReader

from bert_cls.data.dataset_readers import BertPairClassificationJsonReader

DEFAULT_TITLE = "bert_cls demo"
# The input key of a single-text model on the page (the predictor also takes "sentence").
SINGLE_TEXT_FIELD = "text"


def default_field_names(reader: DatasetReader) -> List[str]:
    """
    The input keys the page has a text box for: the reader's `text_key` and `text_pair_key` for
    a sentence-pair model (`bert_pair_classification_json`), else `"text"`.
    """
    if isinstance(reader, BertPairClassificationJsonReader):
        return [reader.text_key, reader.text_pair_key]
    return [SINGLE_TEXT_FIELD]


def demo_page(title: str, field_names: Sequence[str]) -> str:
    """The page's HTML, with `title` as its heading and a text box per name in `field_names`."""
    if not field_names:
        raise ValueError("the demo page needs at least one field name")
    template = Template(
        resources.files("bert_cls.serving").joinpath("static", "index.html").read_text("utf-8")
    )
    # In a <script> element only "</" could end it early.
    config = json.dumps({"field_names": list(field_names)}).replace("</", "<\\/")
    return template.substitute(title=html.escape(title), config=config)
