from typing import List

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.data import Token, Vocabulary
from allennlp.data.tokenizers import WhitespaceTokenizer

from bert_cls.common.special_tokens import SPECIAL_TOKENS
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from bert_cls.data.tokenizers.special_token_text import (
    SpecialTokenTextTokenizer,
    check_special_tokens_in_text,
    split_special_token_text,
)
from tests.fixture_bert import CLS, MASK, PAD, SEP, VOCAB

SPECIAL_IDS = {PAD, CLS, SEP, MASK}


def texts(tokens: List[Token]) -> List[str]:
    return [token.text for token in tokens]


def test_special_token_is_split_as_basic_tokenizer_splits_punctuation():
    for special in SPECIAL_TOKENS:
        name = special[1:-1]
        assert texts(split_special_token_text([Token(special, idx=4)])) == ["[", name, "]"]
    split = split_special_token_text([Token("great", idx=0), Token("[SEP]", idx=6)])
    assert [(token.text, token.idx, token.idx_end) for token in split] == [
        ("great", 0, None),
        ("[", 6, 7),
        ("SEP", 7, 10),
        ("]", 10, 11),
    ]


def test_only_tokens_holding_a_special_token_string_change():
    tokens = [Token("[sep]"), Token("SEP"), Token("[", idx=0), Token("x[CLS]y[MASK]", idx=3)]
    split = split_special_token_text(tokens)
    assert split[:3] == tokens[:3]
    assert texts(split[3:]) == ["x", "[", "CLS", "]", "y", "[", "MASK", "]"]
    assert [token.idx for token in split[3:]] == [3, 4, 5, 8, 9, 10, 11, 15]
    clean = [Token("a"), Token("film")]
    assert split_special_token_text(clean) is clean


def test_tokens_without_offsets_stay_without():
    assert [token.idx for token in split_special_token_text([Token("[PAD]")])] == [None] * 3


@pytest.mark.parametrize(
    "tokenizer",
    [BertBasicTokenizer(), BertBasicTokenizer(do_lower_case=False), WhitespaceTokenizer()],
    ids=["bert-basic", "bert-basic-cased", "whitespace"],
)
@pytest.mark.parametrize("do_lowercase", [True, False])
def test_no_typed_text_becomes_a_special_wordpiece(tokenizer, do_lowercase):
    text = "great [SEP] movie [CLS][MASK] x[PAD] [SEP]y [UNK] [sep] [Sep]"
    indexer = PretrainedBertIndexer(str(VOCAB), do_lowercase=do_lowercase, max_pieces=64)
    kept = indexer.tokens_to_indices(tokenizer.tokenize(text), Vocabulary())["token_ids"]
    # Without splitting, the typed strings become special wordpieces (the 0.9 behaviour)...
    assert SPECIAL_IDS & set(kept[1:-1])
    split = SpecialTokenTextTokenizer(tokenizer).tokenize(text)
    indexed = indexer.tokens_to_indices(split, Vocabulary())
    # ...split, only the indexer's own [CLS] and [SEP] are special, and there is one segment.
    assert not SPECIAL_IDS & set(indexed["token_ids"][1:-1])
    assert set(indexed["type_ids"]) == {0}


def test_tokenizer_wrapper_batch_tokenize():
    tokenizer = SpecialTokenTextTokenizer(WhitespaceTokenizer())
    assert [texts(tokens) for tokens in tokenizer.batch_tokenize(["a [SEP]", "b"])] == [
        ["a", "[", "SEP", "]"],
        ["b"],
    ]


def test_check_special_tokens_in_text():
    check_special_tokens_in_text("split")
    check_special_tokens_in_text("keep")
    with pytest.raises(ConfigurationError, match="choose 'split' or 'keep'"):
        check_special_tokens_in_text("refuse")
