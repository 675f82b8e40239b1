"""
`bert_for_classification`'s `fused_layers`, `padding_free_inference` and `cls_only_last_layer`:
the same logits and probabilities (and gradients) as the plain forward, faster.
"""

import copy
import inspect
import pickle
import random
from typing import Dict, List

import pytest
import torch
from allennlp.common import Params
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch, Instance
from allennlp.data.fields import LabelField, TextField
from allennlp.data.tokenizers import Token
from allennlp.models import Model
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

import bert_cls  # noqa: F401
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.models import BertForClassification
from bert_cls.models import bert_for_classification as model_module
from bert_cls.modules.fast_bert import is_fused, quantize_int8
from tests import fixture_bert
from tests.fixture_bert import BERT, CLS, SEP, WORDS, labels_vocab
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT

TRAIN = FIXTURES_ROOT / "data" / "train.jsonl"
MAX_POSITIONS = 64  # the fixture BERT's max_position_embeddings
ATOL = 1e-5


def sharp_bert() -> BertModel:
    return fixture_bert.sharp_bert(scale=0.3)


def make_model(**kwargs) -> BertForClassification:
    torch.manual_seed(0)
    return BertForClassification(labels_vocab(), sharp_bert(), **kwargs).eval()


def instance(
    num_words: int, seed: int, max_pieces: int = MAX_POSITIONS, **indexer_args
) -> Instance:
    words = random.Random(seed).choices(WORDS, k=num_words)
    indexer = PretrainedBertIndexer(BERT, max_pieces=max_pieces, **indexer_args)
    return Instance(
        {
            "tokens": TextField([Token(word) for word in words], {"bert": indexer}),
            "label": LabelField("pos"),
        }
    )


def tensors(instances: List[Instance]) -> Dict:
    batch = Batch(instances)
    batch.index_instances(labels_vocab())
    return batch.as_tensor_dict()


def raw_batch(lengths: List[int], seed: int = 0, pair: bool = False) -> Dict:
    """Wordpiece tensors as the indexer makes them, of the given lengths (1: `[CLS]` alone)."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    type_ids = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(5, 38, (length,), generator=generator)
        ids[row, 0] = CLS
        if length > 1:
            ids[row, length - 1] = SEP
        if pair and length > 3:
            type_ids[row, length // 2 : length] = 1
    mask = torch.arange(ids.size(1))[None, :] < torch.tensor(lengths)[:, None]
    return {"tokens": {"bert": {"token_ids": ids, "type_ids": type_ids, "wordpiece_mask": mask}}}


def plain_output(model: BertForClassification, batch: Dict) -> Dict[str, torch.Tensor]:
    """The plain forward: in eval mode with autograd on, the padding-free path never runs."""
    counter = PlainEncoderCounter(model.bert_model)
    with torch.enable_grad():
        output = model(**batch)
    counter.remove()
    assert counter.calls == 1
    return {key: value.detach() for key, value in output.items() if isinstance(value, torch.Tensor)}


def fast_output(
    model: BertForClassification, batch: Dict, mode=torch.no_grad
) -> Dict[str, torch.Tensor]:
    with mode():
        return model(**batch)


def assert_same_predictions(fast: Dict, plain: Dict) -> None:
    assert torch.allclose(fast["logits"], plain["logits"], atol=ATOL)
    assert torch.allclose(fast["probs"], plain["probs"], atol=ATOL)


class PlainEncoderCounter:
    """
    Counts runs of `bert`'s first layer as a module, which the plain forward, with or without
    `cls_only_last_layer`, runs and the padding-free (packed) path does not.
    """

    def __init__(self, bert: BertModel):
        self.calls = 0
        self._handle = bert.encoder.layer[0].register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        self.calls += 1

    def remove(self):
        self._handle.remove()


def counting(function, calls: List[int]):
    """`function`, appending to `calls` each time it runs."""

    def counted(*args, **kwargs):
        calls.append(1)
        return function(*args, **kwargs)

    return counted


@pytest.fixture
def packed_calls(monkeypatch) -> List[int]:
    """Counts the model's calls of the padding-free path (`packed_pooled_output`)."""
    calls: List[int] = []
    monkeypatch.setattr(
        model_module, "packed_pooled_output", counting(model_module.packed_pooled_output, calls)
    )
    return calls


BATCHES = {
    "cls_only_row": [1, 9, 4],
    "cls_sep_row": [2, 17, 30],
    "only_one_token_rows": [1, 2],
    "max_length_rows": [MAX_POSITIONS, MAX_POSITIONS, 3],
    "mixed_lengths": [5, MAX_POSITIONS, 1, 33, 2, 12, 40],
    "no_padding": [10, 10, 10],
    "single_row": [6],
}


# ----------------------------------------------------------------------------------------------
# Parameters


def test_new_parameters_come_after_the_existing_ones_with_their_defaults():
    params = inspect.signature(BertForClassification.__init__).parameters
    assert list(params)[-4:] == [
        "fused_layers",
        "padding_free_inference",
        "cls_only_last_layer",
        "kwargs",
    ]
    assert list(params).index("fused_layers") == list(params).index("per_label_metrics") + 1
    assert params["fused_layers"].default is True
    assert params["padding_free_inference"].default is True
    assert params["cls_only_last_layer"].default is True


def test_fused_layers_fuses_bert_at_construction_and_can_be_turned_off():
    assert is_fused(make_model().bert_model)
    plain = make_model(fused_layers=False).bert_model
    assert not is_fused(plain)
    assert any(type(m) is ppb.BertLayerNorm for m in plain.modules())


def test_from_params_takes_the_new_parameters():
    model = Model.from_params(
        vocab=labels_vocab(),
        params=Params(
            {
                "type": "bert_for_classification",
                "bert_model": BERT,
                "fused_layers": False,
                "padding_free_inference": False,
                "cls_only_last_layer": False,
            }
        ),
    )
    assert not is_fused(model.bert_model)
    assert model._padding_free_inference is False
    assert model._cls_only_last_layer is False


def test_fused_and_plain_models_have_the_same_state_dict_and_outputs():
    fused, plain = make_model(), make_model(fused_layers=False)
    assert list(fused.state_dict()) == list(plain.state_dict())
    batch = raw_batch([3, 20, 7])
    assert_same_predictions(plain_output(fused, batch), plain_output(plain, batch))
    # Archives cross over: a fused model's weights load into a plain one and back.
    other = BertForClassification(labels_vocab(), BERT, fused_layers=False).eval()
    other.load_state_dict(fused.state_dict())
    assert_same_predictions(plain_output(other, batch), plain_output(fused, batch))


# ----------------------------------------------------------------------------------------------
# The padding-free path gives the plain forward's logits and probabilities


@pytest.mark.parametrize("cls_only", [True, False], ids=["cls_only_last_layer", "full_last_layer"])
@pytest.mark.parametrize("fused_layers", [True, False], ids=["fused", "plain_layers"])
@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_padding_free_equals_the_plain_forward(batch, fused_layers, cls_only, packed_calls):
    model = make_model(fused_layers=fused_layers, cls_only_last_layer=cls_only)
    tensors_ = raw_batch(BATCHES[batch], seed=len(batch))
    plain = plain_output(model, tensors_)
    counter = PlainEncoderCounter(model.bert_model)
    fast = fast_output(model, tensors_)
    counter.remove()
    assert counter.calls == 0  # the plain forward did not run
    assert packed_calls == [1]
    assert_same_predictions(fast, plain)


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_padding_free_on_indexed_instances_with_type_ids(mode, packed_calls):
    model = make_model()
    instances = [instance(n, seed=n) for n in (0, 1, 3, 15, 40, 70)]  # 70 words: truncated to 64
    batch = tensors(instances)
    bert = batch["tokens"]["bert"]
    assert int(bert["wordpiece_mask"].sum(dim=1).min()) == 2  # [CLS] [SEP] of the empty text
    assert int(bert["wordpiece_mask"].sum(dim=1).max()) == MAX_POSITIONS
    pair = raw_batch([1, 8, 21, MAX_POSITIONS], seed=3, pair=True)
    assert pair["tokens"]["bert"]["type_ids"].sum() > 0
    for one in (batch, pair):
        plain = plain_output(model, one)
        fast = fast_output(model, one, mode)
        assert_same_predictions(fast, plain)
        if "label" in one:
            assert torch.allclose(fast["loss"], plain["loss"], atol=ATOL)
    assert packed_calls == [1, 1]
    # The predictions are not all alike: the comparison means something.
    assert plain["logits"].std(dim=0).min() > 0.01


def test_a_batch_matches_its_rows_one_at_a_time():
    model = make_model()
    lengths = [7, 1, MAX_POSITIONS, 2, 30]
    batch = raw_batch(lengths, seed=4)
    together = fast_output(model, batch)["logits"]
    bert = batch["tokens"]["bert"]
    for row, length in enumerate(lengths):
        alone = {
            "tokens": {"bert": {key: value[row : row + 1, :length] for key, value in bert.items()}}
        }
        assert torch.allclose(fast_output(model, alone)["logits"][0], together[row], atol=ATOL)


@pytest.mark.parametrize("window_pooling", ["mean", "max"])
def test_padding_free_with_window_pooling(window_pooling, packed_calls):
    model = make_model(window_pooling=window_pooling)
    instances = [instance(n, seed=n, truncate_long_sequences=False) for n in (200, 70, 62, 5, 0)]
    batch = tensors(instances)
    windows = (batch["tokens"]["bert"]["token_ids"] == CLS).sum(dim=1).tolist()
    assert max(windows) > 2 and min(windows) == 1
    plain = plain_output(model, batch)
    fast = fast_output(model, batch, torch.inference_mode)
    assert packed_calls == [1]
    assert_same_predictions(fast, plain)


# ----------------------------------------------------------------------------------------------
# When it does not run


def test_training_mode_and_autograd_never_use_it(packed_calls):
    model = make_model()
    batch = raw_batch([3, 9])
    model.train()
    with torch.no_grad():
        model(**batch)
    with torch.inference_mode():
        model(**batch)
    model(**batch, label=torch.tensor([0, 1]))["loss"].backward()
    model.eval()
    model(**batch)  # eval mode, autograd on: e.g. AllenNLP's interpret/saliency
    assert packed_calls == []


def test_padding_free_inference_false_never_uses_it(packed_calls):
    model = make_model(padding_free_inference=False)
    batch = raw_batch([3, 9])
    counter = PlainEncoderCounter(model.bert_model)
    with torch.no_grad():
        output = model(**batch)
    counter.remove()
    assert counter.calls == 1
    assert packed_calls == []
    assert_same_predictions(output, plain_output(model, batch))


def test_a_mask_with_holes_takes_the_padding_free_path_too(packed_calls):
    model = make_model()
    batch = raw_batch([5, 9])
    mask = batch["tokens"]["bert"]["wordpiece_mask"]
    mask[1, 3] = False
    fast = fast_output(model, batch)
    assert packed_calls == [1]
    assert_same_predictions(fast, plain_output(model, batch))


def test_a_masked_first_position_falls_back_to_the_plain_forward(packed_calls):
    model = make_model()
    batch = raw_batch([5, 9])
    batch["tokens"]["bert"]["wordpiece_mask"][0, 0] = False
    counter = PlainEncoderCounter(model.bert_model)
    fast = fast_output(model, batch)
    counter.remove()
    assert counter.calls == 1 and packed_calls == []
    assert_same_predictions(fast, plain_output(model, batch))


def test_int8_quantized_models_take_the_padding_free_path_too(packed_calls):
    model = make_model()
    batch = raw_batch([4, 12, 30])
    fp32 = fast_output(model, batch)
    assert quantize_int8(model) is model
    counter = PlainEncoderCounter(model.bert_model)
    with torch.inference_mode():
        int8 = model(**batch)
    counter.remove()
    assert counter.calls == 0
    assert packed_calls == [1, 1]
    assert int8["probs"].argmax(-1).tolist() == fp32["probs"].argmax(-1).tolist()
    assert torch.allclose(int8["probs"], fp32["probs"], atol=0.05)
    assert not torch.allclose(int8["logits"], fp32["logits"], atol=1e-6)  # int8 really ran


# ----------------------------------------------------------------------------------------------
# Never stale


def _optimizer_step(model: BertForClassification) -> None:
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(**tensors([instance(n, seed=n) for n in (4, 9, 20)]))["loss"].backward()
    optimizer.step()
    model.eval()


def _load_state_dict(model: BertForClassification) -> None:
    other = BertForClassification(labels_vocab(), BERT, fused_layers=False)
    model.load_state_dict(other.state_dict())


def _assign_data(model: BertForClassification) -> None:
    generator = torch.Generator().manual_seed(9)
    for name, param in model.bert_model.named_parameters():
        if "attention.self" in name or "intermediate" in name:
            param.data = param.data + torch.randn(param.shape, generator=generator) * 0.1


STALENESS = {
    "optimizer_step": _optimizer_step,
    "load_state_dict": _load_state_dict,
    "param_data": _assign_data,
}


@pytest.mark.parametrize("change", sorted(STALENESS))
def test_the_fast_path_is_never_stale(change):
    model = make_model()
    batch = raw_batch([1, 14, MAX_POSITIONS, 6], seed=2)
    before = fast_output(model, batch)
    STALENESS[change](model)
    after = fast_output(model, batch, torch.inference_mode)
    assert_same_predictions(after, plain_output(model, batch))
    assert not torch.allclose(after["logits"], before["logits"], atol=1e-3)  # the change mattered


def test_training_after_inference_updates_the_weights_inference_sees():
    # As `allennlp train` does: validation (eval, no_grad) between training epochs.
    model = make_model()
    instances = [instance(n, seed=n) for n in (3, 8, 25)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        model.train()
        optimizer.zero_grad()
        model(**tensors(instances))["loss"].backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            fast = model(**tensors(instances))
        assert_same_predictions(fast, plain_output(model, tensors(instances)))


# ----------------------------------------------------------------------------------------------
# Copies


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copies_of_a_model_that_used_the_fast_path(how):
    model = make_model()
    batch = raw_batch([2, 11, 30], seed=6)
    expected = fast_output(model, batch)
    clone = copy.deepcopy(model) if how == "deepcopy" else pickle.loads(pickle.dumps(model))
    assert is_fused(clone.bert_model)
    assert_same_predictions(fast_output(clone, batch), expected)
    # The copy's weights are its own.
    with torch.no_grad():
        for param in model.parameters():
            param.zero_()
    assert_same_predictions(fast_output(clone, batch), expected)
    assert_same_predictions(fast_output(clone, batch), plain_output(clone, batch))


# ----------------------------------------------------------------------------------------------
# Train, save and load with the defaults (fused layers, padding-free inference)


class TestFastPathsTrainSaveAndLoad(ModelTestCase):
    def setup_method(self):
        super().setup_method()
        self.set_up_model(CONFIGS_ROOT / "bert_for_classification.jsonnet", TRAIN)

    def test_model_can_train_save_and_load(self):
        assert is_fused(self.model.bert_model)
        calls: List[int] = []
        original = model_module.packed_pooled_output
        model_module.packed_pooled_output = counting(original, calls)
        try:
            _, loaded = self.ensure_model_can_train_save_and_load(self.param_file)
        finally:
            model_module.packed_pooled_output = original
        # The trainer's validation (eval mode, no_grad) between epochs used the fast path.
        assert len(calls) >= 1
        assert is_fused(loaded.bert_model)
        loaded.eval()
        batch = Batch(self.instances).as_tensor_dict()
        counter = PlainEncoderCounter(loaded.bert_model)
        with torch.no_grad():
            fast = loaded(**batch)
        counter.remove()
        assert counter.calls == 0  # the loaded model takes the padding-free path
        assert_same_predictions(fast, plain_output(loaded, batch))


# ----------------------------------------------------------------------------------------------
# cls_only_last_layer: the pooled output from the last layer's [CLS] position alone


class LastFeedForwardRows:
    """Records how many positions per row the last layer's feed-forward input has."""

    def __init__(self, bert: BertModel):
        self.positions: List[int] = []
        dense = bert.encoder.layer[-1].intermediate.dense
        self._handle = dense.register_forward_hook(
            lambda m, inputs, out: self.positions.append(inputs[0].size(1))
        )

    def remove(self):
        self._handle.remove()


@pytest.mark.parametrize("fused_layers", [True, False], ids=["fused", "plain_layers"])
@pytest.mark.parametrize(
    "batch", ["mixed_lengths", "max_length_rows", "cls_only_row", "no_padding"]
)
def test_cls_only_last_layer_gives_the_full_forwards_outputs_and_gradients(batch, fused_layers):
    cls_only = make_model(fused_layers=fused_layers)
    full = make_model(fused_layers=fused_layers, cls_only_last_layer=False)
    tensors_ = raw_batch(BATCHES[batch], seed=3, pair=True)
    labels = torch.arange(len(BATCHES[batch])) % 2
    rows = LastFeedForwardRows(cls_only.bert_model)
    outputs = {}
    for name, model in (("cls_only", cls_only), ("full", full)):
        model.zero_grad()
        output = model(**tensors_, label=labels)  # eval mode, autograd on: no dropout
        output["loss"].backward()
        outputs[name] = output
    rows.remove()
    assert rows.positions == [1]  # the last layer's feed-forward saw [CLS] alone
    assert_same_predictions(outputs["cls_only"], outputs["full"])
    assert torch.allclose(outputs["cls_only"]["loss"], outputs["full"]["loss"], atol=ATOL)
    full_params = dict(full.named_parameters())
    for name, param in cls_only.named_parameters():
        if full_params[name].grad is None:
            assert param.grad is None or not param.grad.any(), name
            continue
        assert torch.allclose(param.grad, full_params[name].grad, atol=ATOL), name
    # The gradients reach every layer and are not all zero: the comparison means something.
    assert cls_only.bert_model.embeddings.word_embeddings.weight.grad.abs().sum() > 0
    assert outputs["full"]["logits"].std(dim=0).min() > 0.01


def test_cls_only_last_layer_false_runs_ppbs_own_forward_over_every_position():
    model = make_model(cls_only_last_layer=False)
    forwards = []
    handle = model.bert_model.register_forward_hook(lambda m, inputs, out: forwards.append(1))
    rows = LastFeedForwardRows(model.bert_model)
    batch = raw_batch([5, 17, 9])
    plain_output(model, batch)
    model.train()
    model(**batch, label=torch.tensor([0, 1, 0]))["loss"].backward()
    handle.remove()
    rows.remove()
    assert forwards == [1, 1]
    assert rows.positions == [17, 17]


def test_cls_only_last_layer_trains_with_dropout():
    model = make_model(dropout=0.1)
    model.train()
    batch = raw_batch([5, 17, 9, 30], seed=8)
    rows = LastFeedForwardRows(model.bert_model)
    first = model(**batch, label=torch.tensor([0, 1, 0, 1]))
    second = model(**batch, label=torch.tensor([0, 1, 0, 1]))
    rows.remove()
    assert rows.positions == [1, 1]
    assert not torch.allclose(first["logits"], second["logits"])  # dropout is on, in BERT too
    first["loss"].backward()
    last = model.bert_model.encoder.layer[-1]
    assert last.intermediate.dense.weight.grad.abs().sum() > 0
    assert last.attention.self.key.weight.grad.abs().sum() > 0
