import logging
import shutil
from typing import List

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.common.testing import AllenNlpTestCase
from allennlp.data import Batch, Instance, Token, TokenIndexer, Vocabulary
from allennlp.data.fields import TextField

import bert_cls.data  # noqa: F401  (registers the plugin's classes)
from bert_cls.data.token_indexers import PretrainedBertIndexer
from tests.fixture_bert import (
    AND,
    BAD,
    CLS,
    COMMA,
    DULL,
    FILM,
    FUN,
    GOOD,
    ING,
    IS,
    IT,
    LOVE,
    MASK,
    MOVIE,
    PAD,
    PERIOD,
    SEP,
    THE,
    THIS,
    UNK,
    VERY,
    VOCAB,
    WAS,
    A,
    I,
    S,
)
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT

LOGGER = "bert_cls.data.token_indexers.pretrained_bert_indexer"


def make_indexer(**kwargs) -> PretrainedBertIndexer:
    return PretrainedBertIndexer(str(VOCAB), **kwargs)


def index(indexer: PretrainedBertIndexer, text: str, vocab: Vocabulary = None):
    return indexer.tokens_to_indices([Token(word) for word in text.split()], vocab or Vocabulary())


def windows_of(ids: List[int], size: int) -> List[List[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


class TestPretrainedBertIndexer(AllenNlpTestCase):
    def test_wordpiece_ids_and_keys(self):
        indexed = index(make_indexer(), "the film was dulling .")
        assert indexed == {
            "token_ids": [CLS, THE, FILM, WAS, DULL, ING, PERIOD, SEP],
            "type_ids": [0] * 8,
            "wordpiece_mask": [True] * 8,
            "offsets": [1, 2, 3, 5, 6],
            "mask": [True] * 5,
        }

    def test_offsets_point_at_last_or_first_wordpiece(self):
        last = index(make_indexer(), "a dullings film")
        assert last["token_ids"] == [CLS, A, DULL, ING, S, FILM, SEP]
        assert last["offsets"] == [1, 4, 5]
        first = index(make_indexer(use_starting_offsets=True), "a dullings film")
        assert first["token_ids"] == last["token_ids"]
        assert first["offsets"] == [1, 2, 5]
        assert first["mask"] == [True, True, True]

    def test_lowercasing(self):
        indexed = index(make_indexer(), "THE Movie [SEP] [MASK] Fun")
        assert indexed["token_ids"] == [CLS, THE, MOVIE, SEP, MASK, FUN, SEP]
        indexed = index(make_indexer(do_lowercase=False), "THE the")
        assert indexed["token_ids"] == [CLS, UNK, THE, SEP]
        indexed = index(make_indexer(never_lowercase=["Fun"]), "Fun FUN [SEP]")
        assert indexed["token_ids"] == [CLS, UNK, FUN, UNK, SEP]

    def test_type_ids_follow_sep_tokens(self):
        indexed = index(make_indexer(), "i love it [SEP] this film is bad")
        assert indexed["token_ids"] == [CLS, I, LOVE, IT, SEP, THIS, FILM, IS, BAD, SEP]
        assert indexed["type_ids"] == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        indexed = index(make_indexer(), "good [SEP] bad [SEP] fun")
        assert indexed["token_ids"] == [CLS, GOOD, SEP, BAD, SEP, FUN, SEP]
        assert indexed["type_ids"] == [0, 0, 0, 1, 1, 2, 2]
        # A [SEP] ending the input belongs to the segment it closes.
        indexed = index(make_indexer(), "good [SEP] bad [SEP]")
        assert indexed["token_ids"] == [CLS, GOOD, SEP, BAD, SEP, SEP]
        assert indexed["type_ids"] == [0, 0, 0, 1, 1, 1]

    def test_empty_input(self):
        indexer = make_indexer()
        assert index(indexer, "") == {
            "token_ids": [CLS, SEP],
            "type_ids": [0, 0],
            "wordpiece_mask": [True, True],
            "offsets": [],
            "mask": [],
        }
        assert indexer.get_empty_token_list() == {
            "token_ids": [],
            "type_ids": [],
            "wordpiece_mask": [],
            "offsets": [],
            "mask": [],
        }

    def test_truncation_keeps_whole_words_and_warns_once(self, caplog):
        indexer = make_indexer(max_pieces=6)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            # 6 wordpieces, 4 fit: "dulling" (2 pieces) would make 5.
            indexed = index(indexer, "the film was dulling .")
            assert indexed == {
                "token_ids": [CLS, THE, FILM, WAS, SEP],
                "type_ids": [0] * 5,
                "wordpiece_mask": [True] * 5,
                "offsets": [1, 2, 3],
                "mask": [True] * 3,
            }
            indexed = index(indexer, "a film , a very good film")
            assert indexed["token_ids"] == [CLS, A, FILM, COMMA, A, SEP]
            assert len(indexed["token_ids"]) == indexer.max_pieces
            # Exactly max_pieces: nothing to truncate.
            indexed = index(indexer, "a very good film")
            assert indexed["token_ids"] == [CLS, A, VERY, GOOD, FILM, SEP]
        warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "truncate_long_sequences" in warnings[0].getMessage()

    def test_truncation_keeps_type_ids_and_starting_offsets(self):
        indexer = make_indexer(max_pieces=7, use_starting_offsets=True)
        # 6 wordpieces, 5 fit: "fun" is dropped.
        indexed = index(indexer, "good [SEP] bad dulling fun")
        assert indexed["token_ids"] == [CLS, GOOD, SEP, BAD, DULL, ING, SEP]
        assert indexed["type_ids"] == [0, 0, 0, 1, 1, 1, 1]
        assert indexed["offsets"] == [1, 2, 3, 4]
        assert indexed["mask"] == [True] * 4

    def test_sliding_windows(self):
        indexer = make_indexer(max_pieces=6, truncate_long_sequences=False)
        # 9 wordpieces; windows of 4 starting every 2: [0:4] [2:6] [4:8] [6:9], and [8:9] is dropped
        # because [6:9] already ends with it.
        indexed = index(indexer, "i love this film and it was very fun")
        assert indexed["token_ids"] == [
            *[CLS, I, LOVE, THIS, FILM, SEP],
            *[CLS, THIS, FILM, AND, IT, SEP],
            *[CLS, AND, IT, WAS, VERY, SEP],
            *[CLS, WAS, VERY, FUN, SEP],
        ]
        windows = windows_of(indexed["token_ids"], 6)
        assert all(window[0] == CLS and window[-1] == SEP for window in windows)
        assert all(len(window) <= indexer.max_pieces for window in windows)
        assert all(before[3:5] == after[1:3] for before, after in zip(windows, windows[1:]))
        assert indexed["type_ids"] == [0] * 23
        assert indexed["wordpiece_mask"] == [True] * 23
        # Offsets count positions in the unwindowed [CLS] + wordpieces + [SEP].
        assert indexed["offsets"] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
        assert indexed["mask"] == [True] * 9

    def test_max_windows_keeps_the_first_windows(self):
        text = "i love this film and it was very fun"
        everything = index(make_indexer(max_pieces=6, truncate_long_sequences=False), text)
        indexer = make_indexer(max_pieces=6, truncate_long_sequences=False, max_windows=2)
        indexed = index(indexer, text)
        assert indexed["token_ids"] == [
            *[CLS, I, LOVE, THIS, FILM, SEP],
            *[CLS, THIS, FILM, AND, IT, SEP],
        ]
        assert indexed["token_ids"] == everything["token_ids"][:12]
        assert indexed["type_ids"] == [0] * 12
        assert indexed["offsets"] == everything["offsets"]
        # More windows allowed than the input needs: all of them.
        plenty = make_indexer(max_pieces=6, truncate_long_sequences=False, max_windows=10)
        assert index(plenty, text) == everything

    def test_max_windows_is_checked(self):
        with pytest.raises(ConfigurationError, match="truncate_long_sequences is True"):
            make_indexer(max_windows=2)
        with pytest.raises(ConfigurationError, match="at least 1, got 0"):
            make_indexer(truncate_long_sequences=False, max_windows=0)

    def test_sliding_windows_window_type_ids(self):
        indexer = make_indexer(max_pieces=6, truncate_long_sequences=False)
        indexed = index(indexer, "i love it [SEP] this film was fun")
        assert indexed["token_ids"] == [
            *[CLS, I, LOVE, IT, SEP, SEP],
            *[CLS, IT, SEP, THIS, FILM, SEP],
            *[CLS, THIS, FILM, WAS, FUN, SEP],
        ]
        assert indexed["type_ids"] == [
            *[0, 0, 0, 0, 0, 0],
            *[0, 0, 0, 1, 1, 1],
            *[1, 1, 1, 1, 1, 1],
        ]

    def test_sliding_windows_drop_only_the_last_redundant_window(self):
        # With an odd window (3 pieces, stride 1), AllenNLP 0.9 dropped only the final window;
        # the one before it, also contained in its predecessor, stays.
        indexer = make_indexer(max_pieces=5, truncate_long_sequences=False)
        indexed = index(indexer, "i love this film")
        assert indexed["token_ids"] == [
            *[CLS, I, LOVE, THIS, SEP],
            *[CLS, LOVE, THIS, FILM, SEP],
            *[CLS, THIS, FILM, SEP],
        ]

    def test_no_windows_when_everything_fits(self):
        indexer = make_indexer(max_pieces=6, truncate_long_sequences=False)
        assert index(indexer, "a very good film")["token_ids"] == [CLS, A, VERY, GOOD, FILM, SEP]

    def test_too_small_max_pieces(self):
        with pytest.raises(ConfigurationError, match="max_pieces"):
            make_indexer(max_pieces=3, truncate_long_sequences=False)
        with pytest.raises(ConfigurationError, match="max_pieces"):
            make_indexer(max_pieces=2)

    def test_as_padded_tensor_dict(self):
        indexer = make_indexer()
        indexed = index(indexer, "the film")
        lengths = indexer.get_padding_lengths(indexed)
        assert lengths == {
            "token_ids": 4,
            "type_ids": 4,
            "wordpiece_mask": 4,
            "offsets": 2,
            "mask": 2,
        }
        padded = indexer.as_padded_tensor_dict(
            indexed, {"token_ids": 6, "type_ids": 6, "wordpiece_mask": 6, "offsets": 3, "mask": 3}
        )
        assert padded["token_ids"].tolist() == [CLS, THE, FILM, SEP, 0, 0]
        assert padded["type_ids"].tolist() == [0] * 6
        assert padded["wordpiece_mask"].tolist() == [True] * 4 + [False] * 2
        assert padded["offsets"].tolist() == [1, 2, 0]
        assert padded["mask"].tolist() == [True, True, False]
        for key in ("token_ids", "type_ids", "offsets"):
            assert padded[key].dtype == torch.long
        for key in ("wordpiece_mask", "mask"):
            assert padded[key].dtype == torch.bool

    def test_masks_stay_boolean_for_empty_input(self):
        indexer = make_indexer()
        indexed = index(indexer, "")
        padded = indexer.as_padded_tensor_dict(
            indexed, {"token_ids": 2, "type_ids": 2, "wordpiece_mask": 2, "offsets": 2, "mask": 2}
        )
        assert padded["mask"].dtype == torch.bool
        assert padded["mask"].tolist() == [False, False]
        assert padded["offsets"].tolist() == [0, 0]

    def test_batch_pads_instances_of_different_lengths(self):
        indexers = {"bert": make_indexer()}
        texts = ["the film was dulling .", "fun"]
        instances = [
            Instance({"text": TextField([Token(w) for w in text.split()], indexers)})
            for text in texts
        ]
        batch = Batch(instances)
        batch.index_instances(Vocabulary())
        tensors = batch.as_tensor_dict()["text"]["bert"]
        assert tensors["token_ids"].tolist() == [
            [CLS, THE, FILM, WAS, DULL, ING, PERIOD, SEP],
            [CLS, FUN, SEP, 0, 0, 0, 0, 0],
        ]
        assert tensors["type_ids"].tolist() == [[0] * 8, [0] * 8]
        assert tensors["wordpiece_mask"].tolist() == [[True] * 8, [True] * 3 + [False] * 5]
        assert tensors["offsets"].tolist() == [[1, 2, 3, 5, 6], [1, 0, 0, 0, 0]]
        assert tensors["mask"].tolist() == [[True] * 5, [True] + [False] * 4]
        assert tensors["mask"].dtype == torch.bool

    def test_copies_bert_vocabulary_into_bert_namespace(self):
        vocab = Vocabulary()
        index(make_indexer(), "the film", vocab)
        assert vocab.get_vocab_size("bert") == 38
        assert vocab.get_token_from_index(PAD, "bert") == "[PAD]"
        assert vocab.get_token_from_index(CLS, "bert") == "[CLS]"
        assert vocab.get_token_index("##est", "bert") == 37
        # Another indexer on the same vocabulary adds nothing.
        index(make_indexer(), "the film", vocab)
        assert vocab.get_vocab_size("bert") == 38

    def test_bert_namespace_survives_saving_and_loading(self):
        vocab = Vocabulary()
        index(make_indexer(), "the film", vocab)
        vocab.save_to_files(str(self.TEST_DIR / "vocabulary"))
        loaded = Vocabulary.from_files(str(self.TEST_DIR / "vocabulary"))
        assert loaded.get_index_to_token_vocabulary("bert") == vocab.get_index_to_token_vocabulary(
            "bert"
        )
        index(make_indexer(), "the film", loaded)
        assert loaded.get_vocab_size("bert") == 38

    def test_from_params_and_by_name(self):
        indexer = TokenIndexer.from_params(
            Params({"type": "bert-pretrained", "pretrained_model": str(VOCAB), "max_pieces": 10})
        )
        assert isinstance(indexer, PretrainedBertIndexer)
        assert indexer.max_pieces == 10
        assert indexer == make_indexer(max_pieces=10)
        assert TokenIndexer.by_name("bert-pretrained") is PretrainedBertIndexer

    def test_pretrained_model_can_be_a_directory(self):
        indexer = PretrainedBertIndexer(str(FIXTURES_ROOT / "bert_hf"))
        assert indexer.vocab["[CLS]"] == CLS
        assert len(indexer.vocab) == 38
        assert indexer == make_indexer()
        assert index(indexer, "the film")["token_ids"] == [CLS, THE, FILM, SEP]

    def test_equality(self):
        indexer = make_indexer()
        index(indexer, "the film")
        assert indexer == make_indexer()
        assert indexer != make_indexer(do_lowercase=False)
        assert indexer != make_indexer(use_starting_offsets=True)

    def test_missing_path(self):
        missing = str(self.TEST_DIR / "no_such_vocab.txt")
        with pytest.raises(ConfigurationError) as error:
            PretrainedBertIndexer(missing)
        assert missing in str(error.value)

    def test_directory_without_vocab(self):
        directory = self.TEST_DIR / "empty_dir"
        directory.mkdir()
        with pytest.raises(ConfigurationError) as error:
            PretrainedBertIndexer(str(directory))
        assert str(directory) in str(error.value)

    def test_vocab_not_utf8(self):
        vocab_file = self.TEST_DIR / "latin1.txt"
        vocab_file.write_bytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\ncafé\n".encode("latin-1"))
        with pytest.raises(ConfigurationError, match="UTF-8") as error:
            PretrainedBertIndexer(str(vocab_file))
        assert str(vocab_file) in str(error.value)

    def test_vocab_lacking_cls(self):
        vocab_file = self.TEST_DIR / "no_cls.txt"
        vocab_file.write_text("[PAD]\n[UNK]\n[SEP]\nthe\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match=r"\[CLS\]") as error:
            PretrainedBertIndexer(str(vocab_file))
        assert str(vocab_file) in str(error.value)

    def test_empty_vocab(self):
        vocab_file = self.TEST_DIR / "empty.txt"
        vocab_file.write_text("", encoding="utf-8")
        with pytest.raises(ConfigurationError, match="empty") as error:
            PretrainedBertIndexer(str(vocab_file))
        assert str(vocab_file) in str(error.value)

    def test_warns_about_case_mismatch(self, caplog):
        for name in ("bert-base-cased", "bert-base-uncased"):
            shutil.copytree(FIXTURE_BERT, self.TEST_DIR / name)
        # max_pieces fits the fixture BERT's 64 positions: no warning about that.
        cased, uncased = (str(self.TEST_DIR / f"bert-base-{case}") for case in ("cased", "uncased"))
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            PretrainedBertIndexer(cased, max_pieces=64)
            PretrainedBertIndexer(uncased, do_lowercase=False, max_pieces=64)
            PretrainedBertIndexer(cased, do_lowercase=False, max_pieces=64)
            PretrainedBertIndexer(uncased, max_pieces=64)
        messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
        assert len(messages) == 2
        assert "appears to be cased" in messages[0]
        assert "appears to be uncased" in messages[1]

    def test_head_tail_keeps_the_beginning_and_the_end(self, caplog):
        indexer = make_indexer(max_pieces=8, truncation_strategy="head_tail", head_pieces=2)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            # 9 wordpieces, 6 fit: the first 2 and the last 4.
            indexed = index(indexer, "i love this film and it was very fun")
            assert indexed == {
                "token_ids": [CLS, I, LOVE, IT, WAS, VERY, FUN, SEP],
                "type_ids": [0] * 8,
                "wordpiece_mask": [True] * 8,
                "offsets": [1, 2, 3, 4, 5, 6],
                "mask": [True] * 6,
            }
            # What fits is not truncated, and gives no warning.
            assert index(indexer, "a very good film")["token_ids"] == [
                CLS,
                A,
                VERY,
                GOOD,
                FILM,
                SEP,
            ]
            index(indexer, "i love this film and it was very fun fun")
        warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
        assert len(warnings) == 1

    def test_head_tail_keeps_whole_words_and_gives_the_tail_what_the_head_leaves(self):
        indexer = make_indexer(max_pieces=7, truncation_strategy="head_tail", head_pieces=2)
        # 8 wordpieces, 5 fit. "dullings" (3 pieces) does not fit in the head's 2, so the head
        # keeps 1 and the tail gets 4: "film i love it".
        indexed = index(indexer, "a dullings film i love it")
        assert indexed["token_ids"] == [CLS, A, FILM, I, LOVE, IT, SEP]
        assert indexed["offsets"] == [1, 2, 3, 4, 5]
        # A word at the end is kept whole, with offsets into the truncated sequence.
        indexed = index(indexer, "i love it a film dullings")
        assert indexed["token_ids"] == [CLS, I, LOVE, DULL, ING, S, SEP]
        assert indexed["offsets"] == [1, 2, 5]
        assert indexed["mask"] == [True] * 3
        starting = make_indexer(
            max_pieces=7, truncation_strategy="head_tail", head_pieces=2, use_starting_offsets=True
        )
        assert index(starting, "i love it a film dullings")["offsets"] == [1, 2, 3]
        # A last word longer than the tail's share is dropped, leaving the tail empty.
        indexer = make_indexer(max_pieces=7, truncation_strategy="head_tail", head_pieces=4)
        assert index(indexer, "i love it a dullings")["token_ids"] == [CLS, I, LOVE, IT, A, SEP]

    def test_head_tail_keeps_the_type_ids_of_the_whole_input(self):
        indexer = make_indexer(max_pieces=6, truncation_strategy="head_tail", head_pieces=2)
        indexed = index(indexer, "good [SEP] bad fun i love it")
        assert indexed["token_ids"] == [CLS, GOOD, SEP, LOVE, IT, SEP]
        assert indexed["type_ids"] == [0, 0, 0, 1, 1, 1]

    def test_head_tail_with_no_head(self):
        indexer = make_indexer(max_pieces=5, truncation_strategy="head_tail", head_pieces=0)
        assert index(indexer, "i love this film")["token_ids"] == [CLS, LOVE, THIS, FILM, SEP]

    def test_head_is_the_default_truncation(self):
        indexer = make_indexer(max_pieces=8)
        assert indexer.truncation_strategy == "head"
        assert index(indexer, "i love this film and it was very fun")["token_ids"] == [
            *[CLS, I, LOVE, THIS, FILM, AND, IT, SEP]
        ]
        # head_pieces is unused with "head", so any value goes.
        assert make_indexer(max_pieces=8, head_pieces=100) == make_indexer(
            max_pieces=8, head_pieces=100
        )

    def test_truncation_strategy_is_checked(self):
        with pytest.raises(ConfigurationError, match="'head', 'head_tail'") as error:
            make_indexer(truncation_strategy="tail")
        assert "'tail'" in str(error.value)
        with pytest.raises(
            ConfigurationError, match=r"head_pieces .* less than max_pieces - 2 = 6"
        ):
            make_indexer(max_pieces=8, truncation_strategy="head_tail", head_pieces=6)
        with pytest.raises(ConfigurationError, match="head_pieces"):
            make_indexer(max_pieces=8, truncation_strategy="head_tail", head_pieces=-1)
        with pytest.raises(ConfigurationError, match="truncate_long_sequences"):
            make_indexer(truncation_strategy="head_tail", truncate_long_sequences=False)
        # The largest head that leaves the tail one wordpiece.
        make_indexer(max_pieces=8, truncation_strategy="head_tail", head_pieces=5)

    def test_head_tail_from_params(self):
        indexer = TokenIndexer.from_params(
            Params(
                {
                    "type": "bert-pretrained",
                    "pretrained_model": str(VOCAB),
                    "max_pieces": 8,
                    "truncation_strategy": "head_tail",
                    "head_pieces": 2,
                }
            )
        )
        assert indexer == make_indexer(max_pieces=8, truncation_strategy="head_tail", head_pieces=2)
        assert indexer != make_indexer(max_pieces=8)

    def test_wordpieces(self):
        indexer = make_indexer()
        assert indexer.wordpieces(Token("Dullings")) == ["dull", "##ing", "##s"]
        assert indexer.wordpieces(Token("[SEP]")) == ["[SEP]"]
        assert make_indexer(do_lowercase=False).wordpieces(Token("The")) == ["[UNK]"]


def test_the_wordpiece_cache_gives_the_same_ids_and_is_bounded(monkeypatch):
    from allennlp.data import Vocabulary
    from allennlp.data.tokenizers import Token

    import bert_cls.data.token_indexers.pretrained_bert_indexer as module
    from bert_cls.data.token_indexers import PretrainedBertIndexer

    monkeypatch.setattr(module, "WORDPIECE_CACHE_SIZE", 2)
    vocab_file = str(VOCAB)
    words = "The the THE movie [SEP] movies unknownword the".split()
    tokens = [Token(word) for word in words]
    cached = PretrainedBertIndexer(pretrained_model=vocab_file)
    first = cached.tokens_to_indices(tokens, Vocabulary())
    second = cached.tokens_to_indices(tokens, Vocabulary())
    assert first == second
    assert len(cached._wordpiece_ids_cache) == 2  # bounded
    # The same as splitting every word afresh.
    expected = [[cached.vocab[piece] for piece in cached.wordpieces(token)] for token in tokens]
    assert first["token_ids"][1:-1] == [piece for word in expected for piece in word]
    # The cache plays no part in equality.
    assert cached == PretrainedBertIndexer(pretrained_model=vocab_file)
