"""
Fused projections: several float Linear layers that read the same input (BERT's query, key and
value) run as one matrix product, for inference.

One product with the weights side by side reads the input once instead of once per layer, and a
wider product runs closer to the processor's peak. The fused weights are made on first use and
kept for as long as the module that owns the layers lives, but outside it (not in its state
dict, not copied or pickled with it), and made again when a layer's weights change (a parameter
replaced or updated in place). Other layers (int8 ones, for which fbgemm's fused product is no
faster) run one by one.
"""

import weakref
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

Fused = Tuple[tuple, Callable[[torch.Tensor], torch.Tensor]]
# Each owning module's fused weights, by layer names, with what they were made from.
_FUSED: "weakref.WeakKeyDictionary[torch.nn.Module, Dict[Tuple[str, ...], Fused]]" = (
    weakref.WeakKeyDictionary()
)


def projections(
    owner: torch.nn.Module, names: Sequence[str], inputs: torch.Tensor
) -> List[torch.Tensor]:
    """
    `[getattr(owner, name)(inputs) for name in names]`: when the named layers are all float
    `torch.nn.Linear`, computed as one product and returned as views into it (each
    `(..., out_features)`, not contiguous); otherwise layer by layer. For inference: no gradient
    flows to the layers' parameters through the fused weights.
    """
    layers = [getattr(owner, name) for name in names]
    fused = _fused(owner, tuple(names), layers)
    if fused is None:
        return [layer(inputs) for layer in layers]
    widths = [layer.out_features for layer in layers]
    return list(fused(inputs).split(widths, dim=-1))


def _fused(
    owner: torch.nn.Module, names: Tuple[str, ...], layers: Sequence[torch.nn.Module]
) -> Optional[Callable[[torch.Tensor], torch.Tensor]]:
    if len(layers) < 2 or not all(type(layer) is torch.nn.Linear for layer in layers):
        return None
    key = tuple(_identity(layer) for layer in layers)
    cache = _FUSED.setdefault(owner, {})
    if names not in cache or cache[names][0] != key:
        cache[names] = (key, _fused_linear(layers))
    return cache[names][1]


def _identity(layer: torch.nn.Linear) -> tuple:
    """What changes when the layer's weights do: each tensor's storage and in-place version."""
    return tuple(
        (t.data_ptr(), t._version, t.dtype, t.device) if t is not None else None
        for t in (layer.weight, layer.bias)
    )


def _fused_linear(layers: Sequence[torch.nn.Linear]) -> Callable[[torch.Tensor], torch.Tensor]:
    with torch.no_grad():
        weight = torch.cat([layer.weight for layer in layers])
        bias = torch.cat(
            [
                layer.bias if layer.bias is not None else layer.weight.new_zeros(layer.out_features)
                for layer in layers
            ]
        )
    return lambda inputs: F.linear(inputs, weight, bias)
