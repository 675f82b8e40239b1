"""
int8 inference on CPU: dynamic quantization of BERT's encoder Linear layers, per output channel.
"""

import logging
from typing import Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError

logger = logging.getLogger(__name__)

# BERT's pooler (by the end of its name in the model) stays float32 by default: it sees one vector
# per example, so it costs next to nothing, and the label is decided right after it.
POOLER_LINEAR = "pooler.dense"


def float_linear_names(model: torch.nn.Module) -> Tuple[str, ...]:
    """
    The names (or name endings) of the Linear layers `quantize_int8` keeps float32 by default:
    BERT's pooler (`"pooler.dense"`) and, when `model` has a `classification_layer` (as
    `BertForClassification` has), the name under which `model` holds that layer.
    """
    classification_layer = getattr(model, "classification_layer", None)
    classifier_names = [
        name
        for name, module in model.named_modules()
        if classification_layer is not None and module is classification_layer
    ]
    return (POOLER_LINEAR, *classifier_names)


def _stays_float(name: str, keep_float: Sequence[str]) -> bool:
    return any(name == suffix or name.endswith("." + suffix) for suffix in keep_float)


def quantize_int8(
    model: torch.nn.Module, keep_float: Optional[Sequence[str]] = None
) -> torch.nn.Module:
    """
    Quantizes `model` for int8 inference on CPU, **in place**, and returns it (the same object,
    so both `quantize_int8(model)` and `model = quantize_int8(model)` work; deep-copy the model
    first to keep an fp32 one).

    Every `torch.nn.Linear` layer (for BERT: the attention query, key, value and output layers
    and both feed-forward layers of every encoder layer) is replaced by
    `torch.quantization.quantize_dynamic`'s `torch.nn.quantized.dynamic.Linear`: int8 weights
    with one scale per output channel (row), activations quantized on the fly per batch, except
    the Linear layers whose name is, or ends with `.` and, one of `keep_float`, which stay
    float32. `keep_float` `None` means `float_linear_names(model)`: BERT's pooler and the
    model's `classification_layer`. Embeddings and layer norms stay float32 too. The model is
    put in eval mode and is for inference only afterwards (quantized layers have no gradients,
    and its state dict holds packed int8 weights, so it does not load into an fp32 model).

    One scale per output channel, rather than torch's default dynamic qconfig (one scale per
    weight matrix), keeps the probabilities closer to the fp32 model's.

    A `BertForClassification` runs its int8 Linear layers on the same paths as float ones
    (`padding_free_inference`, `cls_only_last_layer`).

    Raises `ConfigurationError` for a model with parameters on a GPU: dynamic quantization
    runs on CPU only.
    """
    on_gpu = sorted({str(p.device) for p in model.parameters() if p.device.type != "cpu"})
    if on_gpu:
        raise ConfigurationError(
            f"int8 quantization runs on CPU only, but the model has parameters on "
            f"{', '.join(on_gpu)}. Predict on CPU (cuda_device -1) to quantize."
        )
    if keep_float is None:
        keep_float = float_linear_names(model)
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


def is_quantized_int8(model: torch.nn.Module, keep_float: Optional[Sequence[str]] = None) -> bool:
    """
    Whether `model` has dynamically quantized Linear layers and no float `torch.nn.Linear` left
    but those `quantize_int8` keeps float (named by `keep_float`; `None` means
    `float_linear_names(model)`).
    """
    if keep_float is None:
        keep_float = float_linear_names(model)
    quantized = torch.nn.quantized.dynamic.Linear
    modules = list(model.named_modules())
    return any(isinstance(m, quantized) for _, m in modules) and not any(
        isinstance(m, torch.nn.Linear) and not _stays_float(name, keep_float) for name, m in modules
    )
