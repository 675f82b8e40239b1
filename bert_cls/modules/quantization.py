"""
int8 inference on CPU: dynamic quantization of BERT's encoder Linear layers, per output channel.
"""
import logging
from typing import Sequence

import torch
from allennlp.common.checks import ConfigurationError


logger = logging.getLogger(__name__)

# Linear layers (by the end of their name in the model) that stay float32: the pooler and the
# classification layer see one vector per example, so they cost next to nothing, and the label
# is decided right there.
FLOAT_LINEAR_SUFFIXES = ("pooler.dense", "_classification_layer")


def _stays_float(name: str, keep_float: Sequence[str]) -> bool:
    return any(name == suffix or name.endswith("." + suffix) for suffix in keep_float)


def quantize_int8(
    model: torch.nn.Module, keep_float: Sequence[str] = FLOAT_LINEAR_SUFFIXES
) -> torch.nn.Module:
    """
    Quantizes `model` for int8 inference on CPU, **in place**, and returns it (the same object,
    so both `quantize_int8(model)` and `model = quantize_int8(model)` work; deep-copy the model
    first to keep an fp32 one).

    Every `torch.nn.Linear` layer (for BERT: the attention query, key, value and output layers
    and both feed-forward layers of every encoder layer) is replaced by
    `torch.quantization.quantize_dynamic`'s `torch.nn.quantized.dynamic.Linear`: int8 weights
    with one scale per output channel (row), activations quantized on the fly per batch, except
    the Linear layers whose name ends with one of `keep_float` (by default BERT's pooler and the
    classification layer), which stay float32. Embeddings and layer norms stay float32 too. The
    model is put in eval mode and is for inference only afterwards (quantized layers have no
    gradients, and its state dict holds packed int8 weights, so it does not load into an fp32
    model).

    Per-channel scales are what matter: with one scale per weight matrix (torch's default
    dynamic qconfig) on every Linear layer, a fine-tuned MiniLM spam model lost 0.68 points of
    test accuracy through the predictor, and keeping only the pooler and classifier float32
    changed nothing; with per-channel scales the same model lost 0.11 to 0.34 points, at the
    same speed. (The README's benchmark section has the current measurement.)

    A `BertForClassification` runs its int8 Linear layers on the same paths as float ones
    (`padding_free_inference`, `cls_only_last_layer`).

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
    qconfig_spec = {torch.nn.Linear: torch.quantization.per_channel_dynamic_qconfig}
    linears = kept = 0
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            if _stays_float(name, keep_float):
                qconfig_spec[name] = None  # a name's entry overrides the type's
                kept += 1
            else:
                linears += 1
    torch.quantization.quantize_dynamic(model, qconfig_spec, dtype=torch.qint8, inplace=True)
    model.eval()
    logger.info(
        "Quantized %d Linear layers to int8 (dynamic, per channel); %d kept float32.", linears, kept
    )
    return model


def is_quantized_int8(
    model: torch.nn.Module, keep_float: Sequence[str] = FLOAT_LINEAR_SUFFIXES
) -> bool:
    """
    Whether `model` has dynamically quantized Linear layers and no float `torch.nn.Linear` left
    but those `quantize_int8` keeps float (named by `keep_float`).
    """
    quantized = torch.nn.quantized.dynamic.Linear
    modules = list(model.named_modules())
    return any(isinstance(m, quantized) for _, m in modules) and not any(
        isinstance(m, torch.nn.Linear) and not _stays_float(name, keep_float) for name, m in modules
    )
