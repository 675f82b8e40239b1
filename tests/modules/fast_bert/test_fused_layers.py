"""`fuse_bert_model`: fused layers in a pytorch-pretrained-bert BertModel."""

import copy
import io
import pickle

import pytest
import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.fast_bert import FusedBertSelfAttention, fuse_bert_model, is_fused
from tests.fixture_bert import fixture_bert
from tests.modules.berts import bert_inputs, plain_forward, random_bert

ATOL = 1e-5
BERTS = {"fixture": fixture_bert, "random": random_bert}


def fused_copy(bert: BertModel) -> BertModel:
    return fuse_bert_model(copy.deepcopy(bert))


def test_fusing_replaces_every_layer_norm_and_gelu_keeping_the_parameters():
    bert = fixture_bert()
    assert not is_fused(bert)
    named_before = dict(bert.named_parameters())
    returned = fuse_bert_model(bert)
    assert returned is bert
    assert is_fused(bert)
    norms = [m for m in bert.modules() if isinstance(m, torch.nn.LayerNorm)]
    assert len(norms) == 1 + 2 * bert.config.num_hidden_layers
    assert not any(
        isinstance(m, ppb.BertLayerNorm) and not isinstance(m, torch.nn.LayerNorm)
        for m in bert.modules()
    )
    for layer in bert.encoder.layer:
        assert layer.intermediate.intermediate_act_fn is torch.nn.functional.gelu
        assert layer.output.LayerNorm.eps == 1e-12
        assert type(layer.attention.self) is FusedBertSelfAttention
    # The very same Parameter objects, under the same names.
    named_after = dict(bert.named_parameters())
    assert list(named_after) == list(named_before)
    assert all(named_after[name] is param for name, param in named_before.items())


def test_a_plain_self_attention_left_means_not_fused():
    bert = fuse_bert_model(fixture_bert())
    bert.encoder.layer[0].attention.self.__class__ = ppb.BertSelfAttention
    assert not is_fused(bert)
    assert fuse_bert_model(bert) is bert and is_fused(bert)


def test_fused_attention_survives_pickling():
    bert = fuse_bert_model(fixture_bert())
    clone = pickle.loads(pickle.dumps(bert))
    assert all(
        type(layer.attention.self) is FusedBertSelfAttention for layer in clone.encoder.layer
    )
    assert is_fused(clone)


def test_fusing_is_idempotent():
    bert = fuse_bert_model(fixture_bert())
    modules = list(bert.modules())
    state = {name: value.clone() for name, value in bert.state_dict().items()}
    assert fuse_bert_model(bert) is bert
    assert is_fused(bert)
    assert list(bert.modules()) == modules  # no module replaced the second time
    assert all(torch.equal(value, state[name]) for name, value in bert.state_dict().items())


def test_fused_state_dict_has_the_plain_keys_and_values():
    plain = fixture_bert()
    fused = fused_copy(plain)
    assert list(fused.state_dict()) == list(plain.state_dict())
    for name, value in plain.state_dict().items():
        assert torch.equal(fused.state_dict()[name], value), name


def test_fused_layers_keep_train_and_eval_mode():
    bert = fixture_bert().eval()
    fuse_bert_model(bert)
    assert not any(module.training for module in bert.modules())
    bert.train()
    assert all(module.training for module in bert.modules())


@pytest.mark.parametrize("which", sorted(BERTS))
def test_fused_outputs_and_gradients_equal_the_plain_model(which):
    plain = BERTS[which]().eval()  # no dropout: the same computation, deterministic
    fused = fused_copy(plain)
    ids, type_ids, mask = bert_inputs(plain, [1, 2, 7, plain.config.max_position_embeddings])
    projection = torch.randn(plain.config.hidden_size, generator=torch.Generator().manual_seed(1))

    outputs = {}
    for name, bert in (("plain", plain), ("fused", fused)):
        layers, pooled = plain_forward(bert, ids, type_ids, mask, all_layers=True)
        # A loss that reaches every real position of every layer, and the pooled output; a mean,
        # so that the gradients have the scale of a training loss's.
        loss = sum(((layer @ projection) * mask).sum() / mask.sum() for layer in layers)
        loss = loss + pooled.pow(2).mean()
        loss.backward()
        outputs[name] = (layers, pooled, {n: p.grad for n, p in bert.named_parameters()})

    plain_layers, plain_pooled, plain_grads = outputs["plain"]
    fused_layers, fused_pooled, fused_grads = outputs["fused"]
    assert len(fused_layers) == plain.config.num_hidden_layers
    for plain_layer, fused_layer in zip(plain_layers, fused_layers):
        assert torch.allclose(fused_layer, plain_layer, atol=ATOL)
    assert torch.allclose(fused_pooled, plain_pooled, atol=ATOL)
    assert set(fused_grads) == set(plain_grads)
    for name, grad in plain_grads.items():
        assert grad is not None and fused_grads[name] is not None, name
        assert torch.allclose(fused_grads[name], grad, atol=ATOL), name
    assert plain_grads["encoder.layer.0.attention.output.LayerNorm.weight"].abs().sum() > 0


# Training mode (dropout on): test_lean_backward.py, with the same dropout masks.


def _saved(bert: BertModel) -> dict:
    buffer = io.BytesIO()
    torch.save(bert.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer)


@pytest.mark.parametrize("direction", ["fused_into_plain", "plain_into_fused"])
def test_state_dicts_move_between_fused_and_plain_models(direction):
    trained = random_bert(seed=1).eval()  # "trained": weights different from the target's
    target = random_bert(seed=2).eval()
    if direction == "fused_into_plain":
        fuse_bert_model(trained)
    else:
        fuse_bert_model(target)
    target.load_state_dict(_saved(trained))  # strict: same keys
    ids, type_ids, mask = bert_inputs(trained, [4, 11])
    with torch.no_grad():
        expected = plain_forward(trained, ids, type_ids, mask)[1]
        loaded = plain_forward(target, ids, type_ids, mask)[1]
        # Against a plain model of the same kind as the target, loaded the same way.
        same_kind = random_bert(seed=3).eval()
        if direction == "plain_into_fused":
            fuse_bert_model(same_kind)
        same_kind.load_state_dict(_saved(trained))
        assert torch.equal(plain_forward(same_kind, ids, type_ids, mask)[1], loaded)
    assert torch.allclose(loaded, expected, atol=ATOL)


def test_a_fused_model_pickles_and_deep_copies():
    bert = fuse_bert_model(fixture_bert()).eval()
    ids, type_ids, mask = bert_inputs(bert, [5, 8])
    with torch.no_grad():
        expected = plain_forward(bert, ids, type_ids, mask)[1]
        for clone in (pickle.loads(pickle.dumps(bert)), copy.deepcopy(bert)):
            assert is_fused(clone)
            assert torch.equal(plain_forward(clone, ids, type_ids, mask)[1], expected)
