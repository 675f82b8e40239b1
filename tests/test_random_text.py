"""
Property-based tests (Hypothesis): random Unicode text through `bert-basic`, `bert-pretrained`
(head, head_tail and windows) and the model on the fixture BERT, single texts and pairs. Nothing
raises but the documented per-input error (a text without words), every id is inside its BERT
table, offsets point into the wordpieces, no typed text becomes a special wordpiece, and logits
are finite. The examples are drawn deterministically (the "ci" profile in `tests/conftest.py`).
"""

from typing import Dict, List, NamedTuple

import pytest
import torch
from allennlp.data import Instance
from hypothesis import given
from hypothesis import strategies as st

from bert_cls.common.special_tokens import SPECIAL_TOKENS
from bert_cls.data.dataset_readers import (
    BertPairClassificationJsonReader,
    CheckedTextClassificationJsonReader,
)
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from bert_cls.models import BertForClassification
from bert_cls.predictors import BadPredictionInput, BertForClassificationPredictor
from tests.fixture_bert import BERT, CLS, MASK, PAD, SEP, WORDS, labels_vocab, sharp_bert

MAX_PIECES = 16
VOCAB_SIZE, TYPE_VOCAB_SIZE = 38, 2
SPECIAL_IDS = (PAD, CLS, SEP, MASK)
INDEXERS = {
    "head": {"max_pieces": MAX_PIECES},
    "head_tail": {"max_pieces": MAX_PIECES, "truncation_strategy": "head_tail", "head_pieces": 5},
    "windows": {"max_pieces": MAX_PIECES, "truncate_long_sequences": False},
    "head_cased": {"max_pieces": MAX_PIECES, "do_lowercase": False},
}


def any_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(word, upper))
    )


# Pieces of text people type, and the ones that break tokenizers.
special_token_strings = st.sampled_from(SPECIAL_TOKENS).flatmap(
    lambda token: st.one_of(st.just(token), any_case(token))
)
control = st.characters(whitelist_categories=("Cc", "Cf"))
zero_width = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
combining = st.characters(whitelist_categories=("Mn", "Me"))
emoji = st.sampled_from(["👍", "😀", "👩‍👩‍👧", "🇫🇷", "❤️", "🏳️‍🌈", "👍🏽"])
right_to_left = st.characters(min_codepoint=0x0590, max_codepoint=0x06FF)
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
whitespace = st.sampled_from([" ", "\t", "\n", "\u00a0", "\u3000", "\u2028"])
# "movie" + "s" * n splits into "movie" and n "##s": a word of more wordpieces than max_pieces;
# past 100 characters, BERT's wordpiece tokenizer makes it one [UNK].
long_word = st.builds(
    lambda stem, suffix, count: stem + suffix * count,
    st.sampled_from(["movie", "film", "dull", "bor"]),
    st.sampled_from(["s", "ing", "ed", "ly"]),
    st.integers(min_value=MAX_PIECES, max_value=60),
)
piece = st.one_of(
    st.sampled_from(WORDS),
    special_token_strings,
    control,
    zero_width,
    combining,
    emoji,
    right_to_left.map(lambda c: c * 3),
    cjk,
    long_word,
    st.text(max_size=5),
)
texts = st.lists(st.tuples(piece, st.one_of(whitespace, st.just(""))), max_size=25).map(
    lambda parts: "".join(text + space for text, space in parts)
)


class Pipeline(NamedTuple):
    """A predictor over the fixture BERT, its `bert-pretrained` indexer, and whether it windows."""

    predictor: BertForClassificationPredictor
    indexer: PretrainedBertIndexer
    windows: bool


def pipeline(indexer_params: Dict, pairs: bool) -> Pipeline:
    indexer = PretrainedBertIndexer(BERT, **indexer_params)
    tokenizer = BertBasicTokenizer(do_lower_case=indexer_params.get("do_lowercase", True))
    reader_class = (
        BertPairClassificationJsonReader if pairs else CheckedTextClassificationJsonReader
    )
    reader = reader_class(tokenizer=tokenizer, token_indexers={"bert": indexer})
    windows = not indexer.truncate_long_sequences
    model = BertForClassification(
        labels_vocab(), sharp_bert(scale=0.5), window_pooling="mean" if windows else None
    )
    return Pipeline(BertForClassificationPredictor(model, reader), indexer, windows)


@pytest.fixture(scope="module", params=sorted(INDEXERS))
def single(request) -> Pipeline:
    return pipeline(INDEXERS[request.param], pairs=False)


@pytest.fixture(scope="module", params=sorted(INDEXERS))
def pairs(request) -> Pipeline:
    return pipeline(INDEXERS[request.param], pairs=True)


def instances_or_errors(predictor: BertForClassificationPredictor, inputs: List[Dict]) -> List:
    """Each input's instance, or the documented per-input error: a text without words."""
    made = []
    for one_input in inputs:
        try:
            made.append(predictor.checked_instance(one_input))
        except BadPredictionInput as error:
            assert "has no words" in str(error)
            made.append(error)
    return made


def window_starts(token_ids: List[int]) -> List[int]:
    return [0] + [i for i in range(1, len(token_ids)) if token_ids[i - 1 : i + 1] == [SEP, CLS]]


def check_wordpieces(tested: Pipeline, instance: Instance, num_texts: int) -> None:
    tested.predictor._dataset_reader.apply_token_indexers(instance)
    instance.index_fields(tested.predictor._model.vocab)
    indexed = {key: t.tolist() for key, t in instance.as_tensor_dict()["tokens"]["bert"].items()}
    token_ids, type_ids = indexed["token_ids"], indexed["type_ids"]
    assert all(0 <= i < VOCAB_SIZE for i in token_ids)
    assert all(0 <= i < TYPE_VOCAB_SIZE for i in type_ids)
    assert len(type_ids) == len(token_ids)
    starts = window_starts(token_ids) if tested.windows else [0]
    ends = starts[1:] + [len(token_ids)]
    outer = []
    for start, end in zip(starts, ends):
        assert end - start <= MAX_PIECES
        assert token_ids[start] == CLS and token_ids[end - 1] == SEP
        outer += [start, end - 1]
    # Only the indexer's [CLS] and [SEP] (and, in a pair, the reader's [SEP]) are special.
    inner = [p for p, i in enumerate(token_ids) if i in SPECIAL_IDS and p not in outer]
    if num_texts == 1:
        assert inner == [] and set(type_ids) == {0}
    elif tested.windows:
        # Overlapping windows can repeat the reader's [SEP].
        assert 1 <= len(inner) <= 2 and {token_ids[p] for p in inner} == {SEP}
    else:
        # 0 up to and including the reader's [SEP], 1 after it; the final [SEP] copies the type
        # before it (0 when a second text of one over-long word was trimmed away).
        (sep,) = inner
        assert token_ids[sep] == SEP
        assert type_ids[: sep + 1] == [0] * (sep + 1)
        assert type_ids[sep + 1 : -1] == [1] * (len(type_ids) - sep - 2)
        assert type_ids[-1] == type_ids[-2]
    # Offsets count positions in [CLS] + wordpieces + [SEP], the whole input's with windows.
    if tested.windows:
        last = sum(len(tested.indexer.wordpieces(token)) for token in instance["tokens"].tokens)
    else:
        last = len(token_ids) - 2
    assert len(indexed["offsets"]) == len(indexed["mask"])
    assert all(1 <= offset <= last for offset in indexed["offsets"])


def check_predictions(tested: Pipeline, inputs: List[Dict], num_texts: int) -> None:
    made = instances_or_errors(tested.predictor, inputs)
    instances = [one for one in made if isinstance(one, Instance)]
    for instance in instances:
        check_wordpieces(tested, instance, num_texts)
    for output in tested.predictor.predict_instances(instances):
        assert not isinstance(output, Exception), output
        assert torch.isfinite(torch.tensor(output["logits"])).all()
        assert sum(output["probs"]) == pytest.approx(1.0, abs=1e-5)


@given(text=texts)
def test_bert_basic_offsets_are_inside_the_text(text):
    for tokenizer in (BertBasicTokenizer(), BertBasicTokenizer(do_lower_case=False)):
        for token in tokenizer.tokenize(text):
            assert token.text
            assert token.idx is None or 0 <= token.idx < len(text)


@given(batch=st.lists(texts, min_size=1, max_size=4))
def test_single_texts(single, batch):
    check_predictions(single, [{"text": text} for text in batch], num_texts=1)


@given(batch=st.lists(st.tuples(texts, texts), min_size=1, max_size=3))
def test_pairs(pairs, batch):
    inputs = [{"text": text, "text_pair": text_pair} for text, text_pair in batch]
    check_predictions(pairs, inputs, num_texts=2)
