"""
`FastBasicTokenizer` must give exactly pytorch-pretrained-bert's `BasicTokenizer` tokens: on every
email of the SpamAssassin split and on strings chosen to hit each of its rules.
"""

import gzip
import json
import pickle

import pytest
from pytorch_pretrained_bert.tokenization import BasicTokenizer

from bert_cls.data.tokenizers import BertBasicTokenizer
from bert_cls.data.tokenizers.fast_basic_tokenizer import FastBasicTokenizer
from tests.paths import SPAMASSASSIN_DATA as SPAMASSASSIN

TRICKY = [
    "",
    "   \t\n\r  ",
    "Hello, World!  It's 3.14 -- e.g. foo@bar.com (ok?) [x] {y} <z> ~`^_|\\/\"",
    "Café naïve Ångström ŒUVRE façade résumé Müller straße İstanbul ΣΟΦΊΑ ΟΔΟΣ.",
    "e\u0301 a\u0308 combining only: \u0301\u0308 x\u0301\u0302y",
    "中文字符测试 mixed中文text 日本語のテキスト 한국어 텍스트 \U00020000\U0002a700 豈",
    "ctrl\x00chars\x01here\x07\x0b\x0c\x1c\x1d\x1e\x1f\x7f\x85\u200b\u200e\ufeff\ufffd end",
    "nbsp\u00a0thin\u2009ideo\u3000line\u2028para\u2029tab\tnl\nend",
    "unicode punct: «quoted» “curly” ‘single’ — – … ¿qué? ¡sí! • § ¶ † ‡ ‰ ′ ″ ‹›",
    "symbols not punctuation: $ ^ ` + < = > | ~ © ® ™ € £ ¥ ° ± × ÷ ½ ² µ",
    "never split: [CLS] hello [SEP] world [MASK] [PAD] [UNK] [cls] [Cls] x[SEP] [SEP]x",
    "[CLS]",
    "Fullwidth ＡＢＣ１２３！？ ligature ﬁ ﬂ ǅ Ⅻ ⑴",
    "emoji 😀👍🏽 flags 🇫🇷 zwj 👨‍👩‍👧 variation ☺️",
    "Arabic العربية Hebrew עברית Devanagari हिन्दी Thai ภาษาไทย",
    "MiXeD CaSe ASCII ONLY with punctuation!!! and    multiple   spaces...",
    "a" * 300 + " " + "b" * 5,
    "\ud800 lone surrogate",
]


def both(do_lower_case=True, never_split=None):
    kwargs = {"do_lower_case": do_lower_case}
    if never_split is not None:
        kwargs["never_split"] = never_split
    return BasicTokenizer(**kwargs), FastBasicTokenizer(**kwargs)


@pytest.mark.parametrize("do_lower_case", [True, False])
@pytest.mark.parametrize("never_split", [None, ["[cls]", "hello", ""], []])
def test_same_tokens_as_basic_tokenizer_on_tricky_strings(do_lower_case, never_split):
    reference, fast = both(do_lower_case, never_split)
    for text in TRICKY + [" ".join(TRICKY)]:
        assert fast.tokenize(text) == reference.tokenize(text), text
        # Twice: the second time from the filled tables.
        assert fast.tokenize(text) == reference.tokenize(text), text


@pytest.mark.parametrize("do_lower_case", [True, False])
def test_same_tokens_on_every_character_of_the_basic_multilingual_plane(do_lower_case):
    reference, fast = both(do_lower_case)
    chars = [chr(cp) for cp in range(0xD800)] + [chr(cp) for cp in range(0xE000, 0x10000)]
    for start in range(0, len(chars), 512):
        text = "A" + "b".join(chars[start : start + 512]) + "Z"
        assert fast.tokenize(text) == reference.tokenize(text), start


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_same_tokens_as_basic_tokenizer_on_every_spamassassin_email(split):
    with gzip.open(SPAMASSASSIN / f"{split}.jsonl.gz", "rt", encoding="utf-8") as file:
        texts = [json.loads(line)["text"] for line in file if line.strip()]
    assert texts
    for do_lower_case in (True, False):
        reference, fast = both(do_lower_case)
        tokenizer = BertBasicTokenizer(do_lower_case=do_lower_case)
        for text in texts:
            words = reference.tokenize(text)
            assert fast.tokenize(text) == words, text[:200]
            # The tokenizer's tokens and offsets, whichever path it took, are those of the
            # reference words with offsets found by the general (slow) search.
            tokens = tokenizer.tokenize(text)
            assert [token.text for token in tokens] == words, text[:200]
            assert [token.idx for token in tokens] == tokenizer._character_offsets(text, words)


@pytest.mark.parametrize("do_lower_case", [True, False])
def test_bert_basic_tokenizer_offsets_on_tricky_strings(do_lower_case):
    reference = BasicTokenizer(do_lower_case=do_lower_case)
    tokenizer = BertBasicTokenizer(do_lower_case=do_lower_case)
    for text in TRICKY + ["Plain ASCII, Mixed  Case!\tand\r\nlines.", "A\x0bB", "[CLS] x"]:
        words = reference.tokenize(text)
        tokens = tokenizer.tokenize(text)
        assert [token.text for token in tokens] == words
        assert [token.idx for token in tokens] == tokenizer._character_offsets(text, words)


def test_ascii_fast_path_is_taken_only_where_it_applies():
    _, fast = both()
    assert fast.ascii_words_and_offsets("Hi, Bob!") == (["hi", ",", "bob", "!"], [0, 2, 4, 7])
    assert fast.ascii_words_and_offsets("déjà") is None
    assert fast.ascii_words_and_offsets("a\x00b") is None  # a deleted character shifts offsets
    assert fast.ascii_words_and_offsets("a [SEP] b") is None


def test_pickles_without_its_tables():
    _, fast = both(never_split=["[x]"])
    fast.tokenize("déjà vu, 中文")
    copy = pickle.loads(pickle.dumps(fast))
    assert copy.never_split == ["[x]"] and copy.do_lower_case
    assert copy.tokenize("déjà vu, 中文 [x]") == ["deja", "vu", ",", "中", "文", "[x]"]
