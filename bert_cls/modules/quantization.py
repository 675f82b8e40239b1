"""
int8 inference on CPU: dynamic quantization of every `torch.nn.Linear` layer.
"""
import logging

import torch
from allennlp.common.checks import ConfigurationError

from bert_cls.modules.fused_bert import PaddingFreeEncoder

logger = logging.getLogger(__name__)


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """
    Quantizes `model` for int8 inference on CPU, **in place**, and returns it (the same object,
    so both `quantize_int8(model)` and `model = quantize_int8(model)` work; deep-copy the model
    first to keep an fp32 one).

    Every `torch.nn.Linear` layer (BERT's attention, feed-forward and pooler layers and the
    classification layer) is replaced by `torch.quantization.quantize_dynamic`'s
    `torch.nn.quantized.dynamic.Linear`: int8 weights, activations quantized on the fly per
    batch. Embeddings and layer norms stay float32. The model is put in eval mode and is for
    inference only afterwards (quantized layers have no gradients, and its state dict holds
    packed int8 weights, so it does not load into an fp32 model).

    A `BertForClassification` then runs its plain forward: the padding-free encoder needs float
    Linear layers (`PaddingFreeEncoder.can_run` is false), and whatever it had built is dropped,
    so that it holds no fp32 weights.

    Raises `ConfigurationError` for a model with parameters on a GPU: dynamic quantization
    runs on CPU only.
    """
    on_gpu = sorted({str(p.device) for p in model.parameters() if p.device.type != "cpu"})
    if on_gpu:
        raise ConfigurationError(
            f"int8 quantization runs on CPU only, but the model has parameters on {', '.join(on_gpu)}. "
            f"Predict on CPU (cuda_device -1) to quantize."
        )
    model.eval()
    linears = sum(1 for module in model.modules() if isinstance(module, torch.nn.Linear))
    torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    model.eval()
    for module in model.modules():
        for value in vars(module).values():
            if isinstance(value, PaddingFreeEncoder):
                value.clear()
    logger.info("Quantized %d Linear layers to int8 (dynamic quantization).", linears)
    return model


def is_quantized_int8(model: torch.nn.Module) -> bool:
    """Whether `model` has dynamically quantized Linear layers and no float `torch.nn.Linear` left."""
    quantized = torch.nn.quantized.dynamic.Linear
    modules = list(model.modules())
    return any(isinstance(m, quantized) for m in modules) and not any(
        isinstance(m, torch.nn.Linear) for m in modules
    )
