"""
`bert_cls.modules.fast_bert.lean_backward`: the same values and gradients as the plain torch ops,
with less kept for the backward pass (checked by what autograd saves, not by timing).
"""

import copy
from typing import List

import pytest
import torch
import torch.nn.functional as F
from pytorch_pretrained_bert.modeling import BertConfig, BertModel

from bert_cls.modules.fast_bert import FusedBertLayer, fuse_bert_model, is_fused, lean_backward
from bert_cls.modules.fast_bert.lean_backward import (
    BoolMaskDropout,
    bool_mask_dropout,
    dropout_keep_mask,
    dropout_then_matmul,
    gelu_then_linear,
)

ATOL = 1e-5


def random(*shape, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def saved_tensors(function) -> List[torch.Tensor]:
    """The tensors autograd keeps for the backward pass while `function()` runs."""
    saved: List[torch.Tensor] = []

    def pack(tensor):
        saved.append(tensor)
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        function()
    return saved


def gradients(function, *inputs) -> List[torch.Tensor]:
    inputs = [tensor.detach().clone().requires_grad_(True) for tensor in inputs]
    output = function(*inputs)
    output.backward(random(*output.shape, seed=7))
    return [output.detach()] + [tensor.grad for tensor in inputs]


def assert_all_close(ours: List[torch.Tensor], theirs: List[torch.Tensor]) -> None:
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert torch.allclose(mine, reference, atol=ATOL)


# ----------------------------------------------------------------------------------------------
# bool_mask_dropout


def test_bool_mask_dropout_with_a_given_mask_equals_multiplying_by_it():
    inputs = random(4, 6, 8)
    keep = dropout_keep_mask(inputs, 0.3)
    assert keep.dtype == torch.bool
    ours = gradients(lambda x: bool_mask_dropout(x, 0.3, True, keep), inputs)
    theirs = gradients(lambda x: x * keep.float() / 0.7, inputs)
    assert_all_close(ours, theirs)


def test_bool_mask_dropout_drops_about_p_and_scales_the_rest():
    torch.manual_seed(0)
    inputs = random(200, 300) + 10.0  # no zero among the inputs
    inputs.requires_grad_(True)
    output = bool_mask_dropout(inputs, 0.25, True)
    dropped = output == 0
    assert abs(float(dropped.float().mean()) - 0.25) < 0.01
    assert torch.allclose(output[~dropped], inputs[~dropped] / 0.75)
    output.sum().backward()
    assert torch.allclose(inputs.grad, (~dropped).float() / 0.75)


def test_keep_masks_are_independent_draws_with_the_keep_probability():
    torch.manual_seed(0)
    keep = dropout_keep_mask(torch.empty(400, 500), 0.1)
    assert keep.dtype == torch.bool and keep.shape == (400, 500)
    assert abs(float(keep.float().mean()) - 0.9) < 0.003
    # Rows and columns alike: no pattern.
    assert (
        float(keep.float().mean(dim=0).std()) < 0.05
        and float(keep.float().mean(dim=1).std()) < 0.05
    )
    assert not torch.equal(keep, dropout_keep_mask(torch.empty(400, 500), 0.1))


def torch_dropout_masks(like: torch.Tensor, p: float) -> torch.Tensor:
    """The mask torch 1.12's CPU dropout draws (the same random numbers, in the same order)."""
    return torch.empty_like(like).bernoulli_(1.0 - p).bool()


def test_torch_dropout_masks_are_what_torch_dropout_draws():
    # What lets the fused BERT be checked against the plain one in training (below).
    inputs = random(5, 7)
    torch.manual_seed(3)
    keep = torch_dropout_masks(inputs, 0.4)
    torch.manual_seed(3)
    assert torch.equal(F.dropout(inputs, 0.4, True) != 0, keep)


@pytest.mark.parametrize("p, training", [(0.3, False), (0.0, True)])
def test_bool_mask_dropout_outside_training_or_at_zero_is_the_identity(p, training):
    inputs = random(3, 4)
    assert torch.equal(bool_mask_dropout(inputs, p, training), inputs)


def test_bool_mask_dropout_keeps_a_bool_mask_only():
    inputs = random(16, 32, 24).requires_grad_(True)
    saved = saved_tensors(lambda: bool_mask_dropout(inputs, 0.1, True))
    assert [tensor.dtype for tensor in saved] == [torch.bool]
    plain = saved_tensors(lambda: F.dropout(inputs, 0.1, True))
    assert [tensor.dtype for tensor in plain] == [torch.float32]  # what torch 1.12 keeps


def test_bool_mask_dropout_module_is_a_dropout_without_state():
    module = BoolMaskDropout(p=0.2)
    assert isinstance(module, torch.nn.Dropout)
    assert module.state_dict() == {}
    inputs = random(6, 5)
    assert torch.equal(module.eval()(inputs), inputs)
    trained = module.train()(inputs)
    kept = trained != 0
    assert 0 < int(kept.sum()) < inputs.numel()
    assert torch.allclose(trained[kept], inputs[kept] / 0.8)


# ----------------------------------------------------------------------------------------------
# dropout_then_matmul (attention)


def test_dropout_then_matmul_with_a_given_mask_equals_the_plain_ops():
    probs = torch.softmax(random(2, 3, 5, 5), dim=-1)
    values = random(2, 3, 5, 4, seed=1)
    keep = dropout_keep_mask(probs, 0.1)
    ours = gradients(lambda a, v: dropout_then_matmul(a, v, 0.1, True, keep), probs, values)
    theirs = gradients(lambda a, v: torch.matmul(a * keep.float() / 0.9, v), probs, values)
    assert_all_close(ours, theirs)


def test_dropout_then_matmul_keeps_what_softmax_keeps_and_a_bool_mask():
    scores = random(4, 6, 32, 32).requires_grad_(True)
    values = random(4, 6, 32, 8, seed=1).requires_grad_(True)

    def attention(combined: bool):
        probs = torch.softmax(scores, dim=-1)
        if combined:
            return dropout_then_matmul(probs, values, 0.1, True)
        return torch.matmul(F.dropout(probs, 0.1, True), values)

    def float_tensors_like_scores(saved):
        """Distinct float tensors of the scores' size (views of one tensor count once)."""
        return {
            t.storage().data_ptr()
            for t in saved
            if t.numel() == scores.numel() and t.is_floating_point()
        }

    ours, plain = saved_tensors(lambda: attention(True)), saved_tensors(lambda: attention(False))
    # torch keeps the softmax output, the float dropout noise and the dropped-out probabilities.
    assert len(float_tensors_like_scores(plain)) == 3
    # Here: the softmax output alone (kept by softmax and by the combined function), and a bool
    # mask.
    assert len(float_tensors_like_scores(ours)) == 1
    assert sum(t.dtype == torch.bool for t in ours) == 1


def test_dropout_then_matmul_outside_training_is_the_plain_product():
    probs, values = torch.softmax(random(2, 4, 4), dim=-1), random(2, 4, 3, seed=2)
    assert torch.equal(dropout_then_matmul(probs, values, 0.1, False), torch.matmul(probs, values))


# ----------------------------------------------------------------------------------------------
# gelu_then_linear (feed-forward)


def test_gelu_then_linear_equals_the_plain_ops_and_gradients():
    linear = torch.nn.Linear(12, 5)
    inputs = random(3, 7, 12) * 2
    x = inputs.clone().requires_grad_(True)
    output = gelu_then_linear(x, linear)
    upstream = random(*output.shape, seed=4)
    output.backward(upstream)
    reference_x = inputs.clone().requires_grad_(True)
    reference_linear = copy.deepcopy(linear)
    reference_linear.zero_grad()
    reference = reference_linear(F.gelu(reference_x))
    reference.backward(upstream)
    assert torch.allclose(output, reference, atol=ATOL)
    assert torch.allclose(x.grad, reference_x.grad, atol=ATOL)
    assert torch.allclose(linear.weight.grad, reference_linear.weight.grad, atol=ATOL)
    assert torch.allclose(linear.bias.grad, reference_linear.bias.grad, atol=ATOL)
    assert x.grad.abs().sum() > 0


def test_gelu_then_linear_keeps_the_gelu_input_but_not_its_output():
    linear = torch.nn.Linear(64, 16)
    inputs = random(8, 64).requires_grad_(True)
    pre = inputs * 1.0
    saved = saved_tensors(lambda: gelu_then_linear(pre, linear))
    assert any(t is pre or t.data_ptr() == pre.data_ptr() for t in saved)
    assert sum(t.shape == pre.shape for t in saved) == 1
    plain = saved_tensors(lambda: linear(F.gelu(pre)))
    assert sum(t.shape == pre.shape for t in plain) == 2  # GELU input and output


def test_gelu_then_linear_without_autograd_is_the_plain_ops():
    linear = torch.nn.Linear(6, 3)
    inputs = random(4, 6)
    with torch.no_grad():
        assert torch.equal(gelu_then_linear(inputs, linear), linear(F.gelu(inputs)))


# ----------------------------------------------------------------------------------------------
# In a fused BERT: training gives the plain BERT's outputs and gradients, keeping less


def random_bert() -> BertModel:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size_or_config_json_file=60,
        hidden_size=32,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=40,
        initializer_range=0.2,
        hidden_dropout_prob=0.2,
        attention_probs_dropout_prob=0.3,
    )
    return BertModel(config)


def bert_batch():
    ids = torch.randint(1, 60, (4, 20), generator=torch.Generator().manual_seed(5))
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0
    mask[3, 4:] = 0
    return ids, torch.zeros_like(ids), mask


def train_step(bert: BertModel, seed: int):
    ids, type_ids, mask = bert_batch()
    torch.manual_seed(seed)
    sequence, pooled = bert(ids, type_ids, mask, output_all_encoded_layers=False)
    (sequence.sum() * 0.01 + (pooled * random(*pooled.shape, seed=2)).sum()).backward()
    return sequence, {name: param.grad for name, param in bert.named_parameters()}


def test_a_fused_bert_trains_as_the_plain_bert_with_the_same_dropout_masks(monkeypatch):
    monkeypatch.setattr(lean_backward, "dropout_keep_mask", torch_dropout_masks)
    plain = random_bert().train()
    fused = fuse_bert_model(copy.deepcopy(plain)).train()
    assert is_fused(fused)
    assert all(type(layer) is FusedBertLayer for layer in fused.encoder.layer)
    assert sum(type(module) is BoolMaskDropout for module in fused.modules()) == 1 + 3 * 3
    plain_sequence, plain_grads = train_step(plain, seed=11)
    fused_sequence, fused_grads = train_step(fused, seed=11)
    assert torch.allclose(fused_sequence, plain_sequence, atol=ATOL)
    for name, grad in plain_grads.items():
        assert torch.allclose(fused_grads[name], grad, atol=ATOL), name
    # Dropout was on: another seed gives other outputs.
    other_sequence, _ = train_step(copy.deepcopy(plain), seed=12)
    assert not torch.allclose(other_sequence, plain_sequence, atol=1e-3)


def test_a_fused_bert_keeps_less_for_the_backward_pass():
    plain = random_bert().train()
    fused = fuse_bert_model(copy.deepcopy(plain)).train()
    ids, type_ids, mask = bert_batch()

    def kept_bytes(bert):
        saved = saved_tensors(lambda: bert(ids, type_ids, mask, output_all_encoded_layers=False))
        params = {param.data_ptr() for param in bert.parameters()}
        storages = {
            t.storage().data_ptr(): t.storage().size() * t.element_size()
            for t in saved
            if t.data_ptr() not in params
        }
        return sum(storages.values())

    assert kept_bytes(fused) < 0.75 * kept_bytes(plain)
