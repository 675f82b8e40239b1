"""`class_weights` and `per_label_metrics`, and the imbalanced config that uses both."""

import json
from typing import Dict, List

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch, Instance, Vocabulary
from allennlp.data.fields import LabelField, TextField
from allennlp.data.tokenizers import Token
from allennlp.models import Model
from allennlp.models.archival import load_archive

import bert_cls  # noqa: F401
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.models import BertForClassification
from tests.cli import allennlp, read_jsonl, train
from tests.fixture_bert import BERT
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT

TRAIN = FIXTURES_ROOT / "data" / "train.jsonl"
CONFIG = CONFIGS_ROOT / "bert_for_classification_imbalanced.jsonnet"


def instances(labels: List[str]) -> List[Instance]:
    indexer = PretrainedBertIndexer(BERT, max_pieces=64)
    words = "a very good film".split()
    tokens = [Token(word) for word in words]
    return [
        Instance({"tokens": TextField(tokens, {"bert": indexer}), "label": LabelField(label)})
        for label in labels
    ]


def tensors(batch_instances: List[Instance], vocab: Vocabulary) -> Dict:
    batch = Batch(batch_instances)
    batch.index_instances(vocab)
    return batch.as_tensor_dict()


def weights_by_label(model: BertForClassification) -> Dict[str, float]:
    vocab = model.vocab
    return {
        vocab.get_token_from_index(i, "labels"): w
        for i, w in enumerate(model._loss.weight.tolist())
    }


class FixedLogits(torch.nn.Module):
    """A classification layer that ignores BERT and returns chosen logits."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.logits


def test_balanced_weights_from_the_label_counts_by_hand():
    data = instances(["a"] * 6 + ["b"] * 3 + ["c"])
    vocab = Vocabulary.from_instances(data)
    model = BertForClassification(vocab, BERT, class_weights="balanced")
    # 10 samples, 3 classes: n_samples / (n_classes * count).
    assert weights_by_label(model) == pytest.approx({"a": 10 / 18, "b": 10 / 9, "c": 10 / 3})

    model.eval()
    batch = tensors(data, vocab)
    output = model(**batch)
    per_instance = torch.nn.functional.cross_entropy(
        output["logits"], batch["label"], reduction="none"
    )
    weights = model._loss.weight[batch["label"]]
    assert torch.allclose(output["loss"], (weights * per_instance).sum() / weights.sum())
    unweighted = torch.nn.functional.cross_entropy(output["logits"], batch["label"])
    assert not torch.allclose(output["loss"], unweighted)


def test_mapped_weights_and_one_for_the_labels_not_named():
    vocab = Vocabulary.from_instances(instances(["pos", "neg"]))
    model = BertForClassification(vocab, BERT, class_weights={"neg": 2.5})
    assert weights_by_label(model) == {"pos": 1.0, "neg": 2.5}


def test_unknown_label_in_class_weights_is_a_configuration_error():
    vocab = Vocabulary.from_instances(instances(["pos", "neg"]))
    with pytest.raises(ConfigurationError, match=r"\['spam'\]; known labels: \['neg', 'pos'\]"):
        BertForClassification(vocab, BERT, class_weights={"spam": 3.0})


def test_class_weights_from_params_as_a_string_or_a_mapping():
    vocab = Vocabulary.from_instances(instances(["pos", "pos", "pos", "neg"]))
    cases = [("balanced", {"pos": 4 / 6, "neg": 4 / 2}), ({"pos": 0.5}, {"pos": 0.5, "neg": 1.0})]
    for class_weights, expected in cases:
        params = Params(
            {"type": "bert_for_classification", "bert_model": BERT, "class_weights": class_weights}
        )
        model = Model.from_params(vocab=vocab, params=params)
        assert weights_by_label(model) == pytest.approx(expected)


def test_weights_are_saved_in_the_state_dict_and_loaded_without_counts(tmp_path):
    data = instances(["a"] * 3 + ["b"])
    vocab = Vocabulary.from_instances(data)
    trained = BertForClassification(vocab, BERT, class_weights="balanced")
    assert torch.allclose(trained.state_dict()["_loss.weight"], torch.tensor([4 / 6, 4 / 2]))

    vocab.save_to_files(str(tmp_path))
    loaded_vocab = Vocabulary.from_files(str(tmp_path))  # as an archive's: no counts
    loaded = BertForClassification(loaded_vocab, BERT, class_weights="balanced")
    batch = tensors(data, loaded_vocab)
    assert "loss" not in loaded(tokens=batch["tokens"])  # predicting needs no weights
    with pytest.raises(ConfigurationError, match="holds none"):
        loaded(**batch)
    loaded.load_state_dict(trained.state_dict())
    assert torch.equal(loaded._loss.weight, trained._loss.weight)
    assert "loss" in loaded(**batch)


def test_per_label_metrics_by_hand():
    gold = ["pos"] * 5 + ["neg"] * 5
    predicted = ["pos", "pos", "pos", "pos", "neg", "pos", "pos", "neg", "neg", "neg"]
    data = instances(gold)
    vocab = Vocabulary.from_instances(data)
    model = BertForClassification(vocab, BERT, per_label_metrics=True)
    logits = torch.zeros(len(predicted), 2)
    for row, label in enumerate(predicted):
        logits[row, vocab.get_token_index(label, "labels")] = 1.0
    model._classification_layer = FixedLogits(logits)
    model(**tensors(data, vocab))
    # pos: tp 4, fp 2, fn 1. neg: tp 3, fp 1, fn 2.
    assert model.get_metrics(reset=True) == pytest.approx(
        {
            "accuracy": 7 / 10,
            "pos-precision": 4 / 6,
            "pos-recall": 4 / 5,
            "pos-f1": 8 / 11,
            "neg-precision": 3 / 4,
            "neg-recall": 3 / 5,
            "neg-f1": 6 / 9,
            "macro-f1": (8 / 11 + 6 / 9) / 2,
        }
    )


def test_per_label_metrics_name_classes_beyond_the_vocabulary_by_index():
    vocab = Vocabulary.from_instances(instances(["pos", "neg"]))
    model = BertForClassification(vocab, BERT, num_labels=3, per_label_metrics=True)
    assert set(model.get_metrics()) == {"accuracy", "macro-f1"} | {
        f"{name}-{score}" for name in ("pos", "neg", "2") for score in ("precision", "recall", "f1")
    }


class TestImbalancedConfig(ModelTestCase):
    def setup_method(self):
        super().setup_method()
        self.set_up_model(CONFIG, TRAIN)

    def test_model_can_train_save_and_load(self):
        # The archive's vocabulary has no counts: the loaded model must take the saved weights.
        self.ensure_model_can_train_save_and_load(self.param_file)


@pytest.mark.slow
def test_macro_f1_picks_the_best_epoch_in_a_real_allennlp_train(tmp_path):
    # 5 "pos" and 2 "neg": balanced weights 7 / (2 * 5) and 7 / (2 * 2).
    train_file = tmp_path / "train.jsonl"
    rows = read_jsonl(TRAIN)
    kept = [row for row in rows if row["label"] == "pos"] + [
        row for row in rows if row["label"] == "neg"
    ][:2]
    train_file.write_text("".join(json.dumps(row) + "\n" for row in kept))
    run = tmp_path / "run"
    train(run, str(CONFIG), {"train_data_path": str(train_file), "trainer.num_epochs": 2})

    metrics = json.loads((run / "metrics.json").read_text())
    assert 0.0 <= metrics["best_validation_macro-f1"] <= 1.0
    per_label = {"best_validation_pos-f1", "best_validation_neg-recall", "best_validation_accuracy"}
    assert per_label <= set(metrics)
    assert metrics["best_validation_macro-f1"] == pytest.approx(
        (metrics["best_validation_pos-f1"] + metrics["best_validation_neg-f1"]) / 2
    )

    by_epoch = [json.loads((run / f"metrics_epoch_{epoch}.json").read_text()) for epoch in (0, 1)]
    macro_f1 = [epoch_metrics["validation_macro-f1"] for epoch_metrics in by_epoch]
    assert metrics["best_epoch"] == macro_f1.index(max(macro_f1))

    archive = str(run / "model.tar.gz")
    assert weights_by_label(load_archive(archive).model) == pytest.approx({"pos": 0.7, "neg": 1.75})

    evaluation = tmp_path / "evaluation.json"
    allennlp(["evaluate", archive, "fixtures/data/dev.jsonl", "--output-file", str(evaluation)])
    assert {"macro-f1", "pos-precision", "neg-f1", "loss"} <= set(
        json.loads(evaluation.read_text())
    )
