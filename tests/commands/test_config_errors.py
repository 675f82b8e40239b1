"""
Configuration mistakes through the real `allennlp train`: each one fails with a
`ConfigurationError` whose message says what is wrong and names the file or setting.
"""

import json
import shutil
from pathlib import Path

import pytest

from tests.cli import train
from tests.fixture_bert import VOCAB
from tests.paths import FIXTURE_BERT

pytestmark = pytest.mark.slow


def train_fails(tmp_path: Path, overrides: dict) -> str:
    result = train(tmp_path / "run", overrides=overrides, check=False)
    assert result.returncode != 0, "allennlp train should have failed"
    assert "allennlp.common.checks.ConfigurationError" in result.stderr, result.stderr[-3000:]
    return result.stderr


def copy_of_fixture_bert(tmp_path: Path) -> Path:
    copy = tmp_path / "bert"
    shutil.copytree(FIXTURE_BERT, copy)
    return copy


def test_bert_model_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "no_such_bert"
    stderr = train_fails(tmp_path, {"model.bert_model": str(missing)})
    assert str(missing) in stderr


def test_weights_that_do_not_match_bert_config(tmp_path):
    bert = copy_of_fixture_bert(tmp_path)
    config = json.loads((bert / "bert_config.json").read_text())
    config["intermediate_size"] += 2
    (bert / "bert_config.json").write_text(json.dumps(config))
    stderr = train_fails(tmp_path, {"model.bert_model": str(bert)})
    assert f"BERT weights '{bert / 'pytorch_model.bin'}' do not match config" in stderr
    assert str(bert / "bert_config.json") in stderr
    assert "intermediate" in stderr


def test_indexer_vocabulary_larger_than_berts_embedding_table(tmp_path):
    # The indexer's vocab.txt has 40 extra wordpieces in front, so every id is past the 38 rows
    # of the fixture BERT's embedding table.
    vocab = tmp_path / "big_vocab.txt"
    original = VOCAB.read_text()
    vocab.write_text("".join(f"[unused{i}]\n" for i in range(40)) + original)
    stderr = train_fails(
        tmp_path, {"dataset_reader.token_indexers.bert.pretrained_model": str(vocab)}
    )
    # Found at the start of training, where the indexer meets the vocabulary the model keeps
    # from its own checkpoint (bert_cls.common.wordpiece_vocabulary).
    assert "The BERT vocabulary of the bert-pretrained indexer (78 wordpieces) differs" in stderr
    assert "'bert' namespace (38 wordpieces; first difference at id 0)" in stderr
    assert "pretrained_model and the model's bert_model must name the same BERT" in stderr


def test_index_naming_no_indexer(tmp_path):
    stderr = train_fails(tmp_path, {"model.index": "nope"})
    assert "bert_for_classification has index 'nope'" in stderr
    assert "indexers present: ['bert']" in stderr
