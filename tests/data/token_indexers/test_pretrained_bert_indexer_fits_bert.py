"""
The `bert-pretrained` indexer checks that it fits the BERT whose config sits beside its
vocabulary: `max_pieces` lowered to `max_position_embeddings` with one warning, a vocabulary
larger than `vocab_size` refused.
"""

import json
import logging
import shutil
from pathlib import Path

import pytest
from allennlp.common.checks import ConfigurationError

from bert_cls.common.bert_files import BertTableSizes
from bert_cls.data.token_indexers import PretrainedBertIndexer
from tests.fixture_bert import VOCAB
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT

LOGGER = "bert_cls.data.token_indexers.pretrained_bert_indexer"


def warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def bert_copy(tmp_path: Path, **config_changes) -> Path:
    copy = tmp_path / "bert"
    shutil.copytree(FIXTURE_BERT, copy)
    config = json.loads((copy / "bert_config.json").read_text())
    config.update(config_changes)
    (copy / "bert_config.json").write_text(json.dumps(config))
    return copy


@pytest.mark.parametrize(
    "pretrained_model, config_file",
    [
        (FIXTURE_BERT, FIXTURE_BERT / "bert_config.json"),
        (VOCAB, FIXTURE_BERT / "bert_config.json"),
        (FIXTURES_ROOT / "bert_hf", FIXTURES_ROOT / "bert_hf" / "config.json"),
    ],
    ids=["directory", "vocab_file", "hugging_face_directory"],
)
def test_max_pieces_above_the_berts_positions_is_lowered_with_one_warning(
    pretrained_model, config_file, caplog
):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        indexer = PretrainedBertIndexer(str(pretrained_model))
    assert indexer.max_pieces == 64
    assert indexer.bert_table_sizes == BertTableSizes(config_file, 38, 64, 2)
    assert warnings(caplog) == [
        f"The bert-pretrained indexer's max_pieces=512 is more than the BERT of '{config_file}' "
        "takes (max_position_embeddings 64): using max_pieces=64. Set max_pieces to at most 64 "
        "to silence this warning."
    ]


def test_max_pieces_that_fits_is_kept_silently(caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert PretrainedBertIndexer(str(FIXTURE_BERT), max_pieces=64).max_pieces == 64
        assert PretrainedBertIndexer(str(FIXTURE_BERT), max_pieces=10).max_pieces == 10
    assert warnings(caplog) == []


def test_a_vocabulary_without_a_config_beside_it_is_not_limited(tmp_path, caplog):
    vocab = tmp_path / "vocab.txt"
    shutil.copy(VOCAB, vocab)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        indexer = PretrainedBertIndexer(str(vocab))
    assert indexer.max_pieces == 512
    assert indexer.bert_table_sizes is None
    assert warnings(caplog) == []


def test_head_pieces_shrinks_with_the_window_when_it_no_longer_fits():
    indexer = PretrainedBertIndexer(str(FIXTURE_BERT), truncation_strategy="head_tail")
    # 128 of a 510-wordpiece window is 15 of the 62-wordpiece window.
    assert (indexer.max_pieces, indexer.head_pieces) == (64, 15)
    indexer = PretrainedBertIndexer(
        str(FIXTURE_BERT), truncation_strategy="head_tail", head_pieces=20
    )
    assert (indexer.max_pieces, indexer.head_pieces) == (64, 20)


def test_limit_max_pieces(caplog):
    indexer = PretrainedBertIndexer(str(FIXTURE_BERT), max_pieces=40)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        indexer.limit_max_pieces(50, "the model's BERT")
        assert indexer.max_pieces == 40
        indexer.limit_max_pieces(16, "the model's BERT")
        assert indexer.max_pieces == 16
    assert warnings(caplog) == [
        "The bert-pretrained indexer's max_pieces=40 is more than the model's BERT takes "
        "(max_position_embeddings 16): using max_pieces=16. Set max_pieces to at most 16 to "
        "silence this warning."
    ]
    with pytest.raises(ConfigurationError, match="max_position_embeddings 2, too few"):
        indexer.limit_max_pieces(2, "the model's BERT")


def test_a_vocabulary_larger_than_the_berts_embedding_table_is_refused(tmp_path):
    bert = bert_copy(tmp_path, vocab_size=30)
    with pytest.raises(ConfigurationError) as error:
        PretrainedBertIndexer(str(bert))
    assert str(error.value) == (
        f"BERT vocabulary '{bert / 'vocab.txt'}' has 38 wordpieces, more than the BERT of "
        f"'{bert / 'bert_config.json'}' has rows in its embedding table (vocab_size 30): the "
        "vocabulary does not belong to this BERT. Use the vocab.txt it was trained with."
    )


def test_a_config_that_is_not_json_is_named(tmp_path):
    bert = bert_copy(tmp_path)
    (bert / "bert_config.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match="is not valid JSON") as error:
        PretrainedBertIndexer(str(bert))
    assert str(bert / "bert_config.json") in str(error.value)
