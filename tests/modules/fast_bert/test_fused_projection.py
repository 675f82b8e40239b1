"""
`projections`: float Linear layers reading one input run as one product, with the fused weights
made again when the layers' weights change; int8 and mixed layers run one by one.
"""

import copy
import pickle

import torch

from bert_cls.modules.fast_bert import quantize_int8
from bert_cls.modules.fast_bert.fused_projection import projections

NAMES = ("query", "key", "value")


def linears(seed: int = 0, bias: bool = True) -> torch.nn.Module:
    torch.manual_seed(seed)
    owner = torch.nn.Module()
    for name, width in zip(NAMES, (8, 8, 6)):
        setattr(owner, name, torch.nn.Linear(12, width, bias=bias))
    return owner


def separately(owner, names, inputs):
    return [getattr(owner, name)(inputs) for name in names]


def assert_same(ours, theirs, atol=1e-6):
    assert [t.shape for t in ours] == [t.shape for t in theirs]
    assert all(torch.allclose(a, b, atol=atol) for a, b in zip(ours, theirs))


def test_float_layers_run_as_one_product_with_the_same_outputs():
    owner, inputs = linears(), torch.randn(5, 12)
    with torch.no_grad():
        fused = projections(owner, NAMES, inputs)
        assert_same(fused, separately(owner, NAMES, inputs))
        # Views into one product.
        assert len({t.storage().data_ptr() for t in fused}) == 1
        assert_same(projections(owner, NAMES[1:], inputs), separately(owner, NAMES[1:], inputs))
        no_bias = linears(bias=False)
        assert_same(projections(no_bias, NAMES, inputs), separately(no_bias, NAMES, inputs))
    # Kept outside the module: not in its state dict, nor in its copies and pickles.
    assert set(owner.state_dict()) == {f"{n}.{p}" for n in NAMES for p in ("weight", "bias")}
    assert len(pickle.dumps(owner)) < len(pickle.dumps(linears())) + 100
    clone = copy.deepcopy(owner)
    with torch.no_grad():
        clone.query.weight.add_(1.0)
        assert_same(projections(clone, NAMES, inputs), separately(clone, NAMES, inputs))
        assert_same(projections(owner, NAMES, inputs), fused)


def test_the_fused_weights_follow_changes_to_the_layers():
    owner, inputs = linears(), torch.randn(5, 12)
    with torch.no_grad():
        before = projections(owner, NAMES, inputs)
        owner.key.weight.mul_(2.0)  # in place, as an optimizer step
        after = projections(owner, NAMES, inputs)
        assert not torch.allclose(before[1], after[1])
        assert_same(after, separately(owner, NAMES, inputs))
        owner.value.bias = torch.nn.Parameter(torch.ones(6))  # replaced
        assert_same(projections(owner, NAMES, inputs), separately(owner, NAMES, inputs))


def test_int8_and_mixed_layers_run_one_by_one():
    for keep_float in ((), ("owner.value",)):
        holder = torch.nn.Module()
        holder.owner = linears()
        quantize_int8(holder, keep_float=keep_float)
        owner, inputs = holder.owner, torch.randn(7, 12) * 3
        assert isinstance(owner.query, torch.nn.quantized.dynamic.Linear)
        with torch.no_grad():
            ours, theirs = projections(owner, NAMES, inputs), separately(owner, NAMES, inputs)
        assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
