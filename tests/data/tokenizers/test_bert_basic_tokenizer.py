from allennlp.common import Params
from allennlp.common.testing import AllenNlpTestCase
from allennlp.data import Tokenizer, Vocabulary

import bert_cls.data  # noqa: F401  (registers the plugin's classes)
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from tests.fixture_bert import VOCAB


def texts(tokenizer: Tokenizer, text: str):
    return [token.text for token in tokenizer.tokenize(text)]


class TestBertBasicTokenizer(AllenNlpTestCase):
    def test_splits_punctuation_and_lowercases(self):
        tokens = BertBasicTokenizer().tokenize("Hello, World!")
        assert [t.text for t in tokens] == ["hello", ",", "world", "!"]
        assert [t.idx for t in tokens] == [0, 5, 7, 12]

    def test_keeps_case_when_not_lowercasing(self):
        tokens = BertBasicTokenizer(do_lower_case=False).tokenize("Hello,  World!")
        assert [t.text for t in tokens] == ["Hello", ",", "World", "!"]
        assert [t.idx for t in tokens] == [0, 5, 8, 13]

    def test_strips_accents_only_when_lowercasing(self):
        assert texts(BertBasicTokenizer(), "Café déjà vu") == ["cafe", "deja", "vu"]
        assert texts(BertBasicTokenizer(do_lower_case=False), "Café") == ["Café"]
        assert [t.idx for t in BertBasicTokenizer().tokenize("Café déjà vu")] == [0, 5, 10]

    def test_splits_cjk_characters(self):
        tokens = BertBasicTokenizer().tokenize("ab中文cd 我")
        assert [t.text for t in tokens] == ["ab", "中", "文", "cd", "我"]
        assert [t.idx for t in tokens] == [0, 2, 3, 4, 7]

    def test_default_never_split_keeps_bert_special_tokens(self):
        assert texts(BertBasicTokenizer(), "I hate [MASK] .") == ["i", "hate", "[MASK]", "."]
        # pytorch-pretrained-bert only protects whole whitespace-separated words.
        assert texts(BertBasicTokenizer(), "[MASK].") == ["[", "mask", "]", "."]

    def test_custom_never_split(self):
        tokenizer = BertBasicTokenizer(never_split=["<sep>"])
        assert texts(tokenizer, "a <sep> b") == ["a", "<sep>", "b"]
        # The custom list replaces the default one.
        assert texts(tokenizer, "[MASK]") == ["[", "mask", "]"]
        assert texts(BertBasicTokenizer(), "a <sep> b") == ["a", "<", "sep", ">", "b"]

    def test_offsets_are_none_once_the_text_changed_length(self):
        # The control character is dropped inside the first word.
        tokens = BertBasicTokenizer().tokenize("go\x00od fun")
        assert [t.text for t in tokens] == ["good", "fun"]
        assert [t.idx for t in tokens] == [None, None]

    def test_from_params(self):
        tokenizer = Tokenizer.from_params(Params({"type": "bert-basic", "do_lower_case": False}))
        assert isinstance(tokenizer, BertBasicTokenizer)
        assert texts(tokenizer, "The Film") == ["The", "Film"]
        assert Tokenizer.by_name("bert-basic") is BertBasicTokenizer

    def test_output_feeds_the_indexer(self):
        tokens = BertBasicTokenizer().tokenize("This movie was BORING, not fun!")
        indexer = PretrainedBertIndexer(str(VOCAB))
        indexed = indexer.tokens_to_indices(tokens, Vocabulary())
        # [CLS] this movie was boring , not fun ! [SEP]
        assert indexed["token_ids"] == [2, 27, 7, 11, 22, 29, 15, 19, 30, 3]
        assert indexed["offsets"] == [1, 2, 3, 4, 5, 6, 7, 8]
