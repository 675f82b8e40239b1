"""
`quantize_int8`: dynamic int8 quantization, per output channel, of BERT's encoder Linear layers,
on the trained fixture model (`trained_model`, tests/conftest.py).
"""

import copy

import torch

from bert_cls.modules.fast_bert import is_quantized_int8, quantize_int8
from tests.fixture_bert import BERT_LINEARS
from tests.fixture_bert import ENCODER_LINEARS as FIXTURE_ENCODER_LINEARS

# Linear layers of the fixture model: BERT's and the classification layer.
FIXTURE_LINEARS = BERT_LINEARS + 1


def test_quantize_int8_quantizes_the_encoder_linears_in_place_and_sets_eval_mode(trained_model):
    model = copy.deepcopy(trained_model).train()
    pooler, classifier = model.bert_model.pooler.dense, model.classification_layer
    assert not is_quantized_int8(model)
    assert quantize_int8(model) is model
    assert not model.training and not any(module.training for module in model.modules())
    quantized = {
        name: m
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.quantized.dynamic.Linear)
    }
    assert len(quantized) == FIXTURE_ENCODER_LINEARS
    assert all(name.startswith("bert_model.encoder.layer.") for name in quantized)
    # int8 weights with one scale per output channel.
    assert all(m.weight().dtype == torch.qint8 for m in quantized.values())
    assert all(m.weight().qscheme() == torch.per_channel_affine for m in quantized.values())
    # The pooler and the classification layer stay float32, the very same modules.
    floats = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert floats == {"bert_model.pooler.dense": pooler, "_classification_layer": classifier}
    assert all(m.weight.dtype == torch.float32 for m in floats.values())
    assert is_quantized_int8(model)


def test_quantize_int8_can_quantize_every_linear(trained_model):
    model = quantize_int8(copy.deepcopy(trained_model), keep_float=())
    quantized = [m for m in model.modules() if isinstance(m, torch.nn.quantized.dynamic.Linear)]
    assert len(quantized) == FIXTURE_LINEARS
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())
    assert is_quantized_int8(model) and is_quantized_int8(model, keep_float=())


def test_a_float_encoder_linear_is_not_int8(trained_model):
    model = quantize_int8(copy.deepcopy(trained_model))
    model.bert_model.encoder.layer[0].output.dense = torch.nn.Linear(4, 4)
    assert not is_quantized_int8(model)
