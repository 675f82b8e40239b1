"""The demo page's HTML and its fields (in a real browser: `test_demo_page_in_chromium`)."""

import json
import re

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader

from bert_cls.serving.demo_page import default_field_names, demo_page
from tests.paths import CONFIGS_ROOT


def page_config(page: str) -> dict:
    match = re.search(r'<script id="config" type="application/json">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def reader(config: str) -> DatasetReader:
    return DatasetReader.from_params(Params.from_file(str(CONFIGS_ROOT / config))["dataset_reader"])


def test_a_single_text_model_has_one_field_and_a_pair_model_two():
    assert default_field_names(reader("bert_for_classification.jsonnet")) == ["text"]
    assert default_field_names(reader("bert_pair_classification.jsonnet")) == ["text", "text_pair"]


def test_title_and_fields_cannot_break_out_of_the_page():
    page = demo_page("<b>Spam</b> & ham", ["a</script><script>alert(1)</script>", "b"])
    assert "<title><b>" not in page
    assert '<h1 id="title">&lt;b&gt;Spam&lt;/b&gt; &amp; ham</h1>' in page
    assert page_config(page) == {"field_names": ["a</script><script>alert(1)</script>", "b"]}
    assert page.count("</script>") == 2  # the config's and the code's


def test_the_page_loads_nothing_from_elsewhere():
    page = demo_page("t", ["text"])
    assert re.findall(r"(?:src|href)=", page) == []
    assert "http" not in page
    assert re.findall(r'fetch\("([^"]*)"', page) == ["predict"]


def test_a_page_needs_a_field():
    with pytest.raises(ValueError, match="at least one field name"):
        demo_page("t", [])
