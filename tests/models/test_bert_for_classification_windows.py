"""`window_pooling`: inputs longer than BERT classified by their `[CLS] ... [SEP]` windows."""

import random
import shutil
from typing import Dict, List

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch, Instance, Vocabulary
from allennlp.data.fields import LabelField, TextField
from allennlp.data.tokenizers import Token
from pytorch_pretrained_bert.modeling import BertModel

import bert_cls  # noqa: F401
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.models import BertForClassification
from tests import fixture_bert
from tests.fixture_bert import BERT, CLS, SEP, VOCAB, WORDS, labels_vocab
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT

TRAIN = FIXTURES_ROOT / "data" / "train.jsonl"


def text_of(num_words: int, seed: int) -> List[str]:
    return random.Random(seed).choices(WORDS, k=num_words)


def sharp_bert() -> BertModel:
    return fixture_bert.sharp_bert(scale=0.5)


def instance(
    words: List[str], label: str, max_pieces: int = 64, pretrained_model: str = BERT
) -> Instance:
    indexer = PretrainedBertIndexer(
        pretrained_model, max_pieces=max_pieces, truncate_long_sequences=False
    )
    return Instance(
        {
            "tokens": TextField([Token(word) for word in words], {"bert": indexer}),
            "label": LabelField(label),
        }
    )


def tensors(instances: List[Instance], vocab: Vocabulary) -> Dict:
    batch = Batch(instances)
    batch.index_instances(vocab)
    return batch.as_tensor_dict()


def windowed_model(window_pooling: str) -> BertForClassification:
    return BertForClassification(labels_vocab(), sharp_bert(), window_pooling=window_pooling).eval()


def logits_of_each_window(
    model: BertForClassification, bert: Dict[str, torch.Tensor]
) -> torch.Tensor:
    """By hand: the indexer's windows are the row's successive 64 wordpieces (the last shorter),
    each run through BERT and the Linear layer on its own."""
    length = int(bert["wordpiece_mask"][0].sum())
    logits = []
    for start in range(0, length, 64):
        ids = bert["token_ids"][:, start : min(start + 64, length)]
        type_ids = bert["type_ids"][:, start : min(start + 64, length)]
        assert ids[0, 0] == CLS and ids[0, -1] == SEP
        _, pooled = model.bert_model(
            ids, type_ids, torch.ones_like(ids), output_all_encoded_layers=False
        )
        logits.append(model._classification_layer(pooled)[0])
    return torch.stack(logits)


@pytest.mark.parametrize("window_pooling", ["mean", "max"])
def test_pooled_logits_of_more_than_512_wordpieces_by_hand(window_pooling):
    words = text_of(600, seed=1)
    assert set(words) <= set(VOCAB.read_text().split())
    model = windowed_model(window_pooling)
    batch = tensors([instance(words, "pos")], model.vocab)
    bert = batch["tokens"]["bert"]
    assert int(bert["wordpiece_mask"].sum()) > 600  # 600 wordpieces, and the windows' overlaps

    by_window = logits_of_each_window(model, bert)
    assert len(by_window) == 19  # windows of 62 wordpieces every 31; the last only repeated one
    assert by_window.std(dim=0).min() > 0.1  # the windows really differ
    expected = by_window.mean(dim=0) if window_pooling == "mean" else by_window.max(dim=0).values

    output = model(**batch)
    assert torch.allclose(output["logits"][0], expected, atol=1e-5)
    assert torch.allclose(output["probs"], torch.softmax(output["logits"], dim=-1))
    assert torch.allclose(
        output["loss"], torch.nn.functional.cross_entropy(output["logits"], batch["label"])
    )


@pytest.mark.parametrize("window_pooling", ["mean", "max"])
def test_padding_windows_of_shorter_instances_are_ignored(window_pooling):
    model = windowed_model(window_pooling)
    instances = [
        instance(text_of(600, seed=2), "pos"),
        instance(text_of(100, seed=3), "neg"),  # 2 windows, the last one short
        instance(text_of(5, seed=4), "neg"),  # 1 window
    ]
    together = model(**tensors(instances, model.vocab))["logits"]
    for row, alone in enumerate(instances):
        assert torch.allclose(
            together[row], model(**tensors([alone], model.vocab))["logits"][0], atol=1e-5
        )
    assert model.get_metrics()["accuracy"] >= 0.0


def test_single_window_inputs_equal_the_plain_forward():
    vocab = labels_vocab()
    plain = BertForClassification(vocab, sharp_bert()).eval()
    windowed = BertForClassification(vocab, sharp_bert(), window_pooling="max").eval()
    windowed.load_state_dict(plain.state_dict())
    batch = tensors([instance(text_of(n, seed=n), "pos") for n in (3, 20, 62)], vocab)
    assert torch.allclose(windowed(**batch)["logits"], plain(**batch)["logits"], atol=1e-5)


def test_gradients_reach_bert_through_every_window():
    model = windowed_model("mean").train()
    model(**tensors([instance(text_of(200, seed=5), "pos")], model.vocab))["loss"].backward()
    assert model.bert_model.embeddings.word_embeddings.weight.grad.abs().sum() > 0
    position_grad = model.bert_model.embeddings.position_embeddings.weight.grad
    assert (position_grad.abs().sum(dim=-1) > 0).sum() == 64  # full windows use every position


def test_without_window_pooling_a_windowed_input_is_cut_to_its_first_window():
    model = BertForClassification(labels_vocab(), sharp_bert()).eval()
    windowed = tensors([instance(text_of(600, seed=1), "pos")], model.vocab)
    first_window = {
        key: value[:, :64] for key, value in windowed["tokens"]["bert"].items() if key != "offsets"
    }
    assert first_window["token_ids"][0, -1] == SEP
    expected = model(tokens={"bert": first_window})["logits"]
    assert torch.allclose(model(**windowed)["logits"], expected, atol=1e-6)


def test_windows_longer_than_bert_are_a_configuration_error(tmp_path):
    model = windowed_model("mean")
    # A vocabulary without the BERT's config beside it: the indexer cannot lower max_pieces.
    shutil.copy(VOCAB, tmp_path / "vocab.txt")
    long_windows = instance(
        text_of(300, seed=1), "pos", max_pieces=100, pretrained_model=str(tmp_path / "vocab.txt")
    )
    with pytest.raises(
        ConfigurationError, match=r"A window has 100 wordpieces.*max_pieces to at most 64"
    ):
        model(**tensors([long_windows], model.vocab))


def test_unknown_window_pooling_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="'median'"):
        BertForClassification(labels_vocab(), BERT, window_pooling="median")


class TestLongDocumentsConfig(ModelTestCase):
    def setup_method(self):
        super().setup_method()
        self.set_up_model(CONFIGS_ROOT / "bert_for_classification_long_documents.jsonnet", TRAIN)

    def test_fixture_batches_mix_one_and_several_windows(self):
        ids = Batch(self.instances).as_tensor_dict()["tokens"]["bert"]["token_ids"]
        assert sorted((ids == CLS).sum(dim=-1).tolist()) == [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]

    def test_model_can_train_save_and_load(self):
        # Also checks that each instance gets the same prediction alone as in a batch.
        self.ensure_model_can_train_save_and_load(self.param_file)
