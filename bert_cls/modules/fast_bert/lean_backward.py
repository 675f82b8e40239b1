"""
Autograd functions for BERT's training step that compute what the usual composition of torch
ops computes, but keep less for the backward pass.

torch 1.12's CPU dropout multiplies by a float noise tensor and autograd keeps that tensor
(4 bytes a number) until the backward pass; for attention probabilities (batch x heads x
length x length) it also keeps the dropped-out probabilities for the product with the values,
next to the probabilities softmax keeps anyway. And the feed-forward keeps both the GELU input
and its output. Here:

- `bool_mask_dropout` keeps the mask as bools (1 byte a number);
- `dropout_then_matmul` (attention) keeps the probabilities softmax keeps anyway and a bool
  mask, and recomputes the dropped-out probabilities in the backward pass;
- `gelu_then_linear` (feed-forward) keeps the GELU input only and recomputes GELU in the
  backward pass.

Each costs one more elementwise pass over those tensors in the backward pass. Without autograd,
or outside training, they are the plain ops. `fused_layers.fuse_bert_model` puts them into a
BERT's layers.
"""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def dropout_keep_mask(like: torch.Tensor, p: float) -> torch.Tensor:
    """
    A bool tensor shaped like `like`: each entry true (kept), independently, with probability
    `1 - p` (to float32 resolution). Drawn as `uniform < 1 - p` rather than with `bernoulli_`,
    which on CPUs that are not Intel's runs a slower serial kernel in torch 1.12.
    """
    return torch.rand(like.shape, dtype=torch.float32, device=like.device) < (1.0 - p)


def _needs_mask(p: float, training: bool) -> bool:
    return training and 0.0 < p < 1.0


class _MaskedScale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs: torch.Tensor, keep: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(keep)
        ctx.scale = scale
        return inputs.mul(keep).mul_(scale)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (keep,) = ctx.saved_tensors
        return grad.mul(keep).mul_(ctx.scale), None, None


def bool_mask_dropout(
    inputs: torch.Tensor, p: float, training: bool, keep: Optional[torch.Tensor] = None
) -> torch.Tensor:
    """
    `torch.nn.functional.dropout(inputs, p, training)`, keeping a bool mask for the backward
    pass. `keep` (from `dropout_keep_mask`) fixes the mask; by default a new one is drawn.
    """
    if not _needs_mask(p, training):
        return F.dropout(inputs, p, training)
    if keep is None:
        keep = dropout_keep_mask(inputs, p)
    if not torch.is_grad_enabled() or not inputs.requires_grad:
        return inputs.mul(keep).mul_(1.0 / (1.0 - p))
    return _MaskedScale.apply(inputs, keep, 1.0 / (1.0 - p))


class BoolMaskDropout(torch.nn.Dropout):
    """
    `torch.nn.Dropout` (same `p`, no parameters) whose training forward is
    `bool_mask_dropout`. `fuse_bert_model` turns BERT's dropout modules into this class in place.
    """

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.inplace:
            return super().forward(inputs)
        return bool_mask_dropout(inputs, self.p, self.training)


class _DroppedProbabilitiesTimesValues(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx, probs: torch.Tensor, values: torch.Tensor, keep: torch.Tensor, scale: float
    ) -> torch.Tensor:
        ctx.save_for_backward(probs, values, keep)
        ctx.scale = scale
        return torch.matmul(probs.mul(keep).mul_(scale), values)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        probs, values, keep = ctx.saved_tensors
        grad_probs = grad_values = None
        # The mask times the scale, as floats once: float products are faster than products
        # with a bool tensor.
        scaled_keep = keep.to(probs.dtype).mul_(ctx.scale)
        if ctx.needs_input_grad[0]:
            grad_probs = torch.matmul(grad, values.transpose(-1, -2)).mul_(scaled_keep)
        if ctx.needs_input_grad[1]:
            grad_values = torch.matmul(probs.mul(scaled_keep).transpose(-1, -2), grad)
        return grad_probs, grad_values, None, None


def dropout_then_matmul(
    probs: torch.Tensor,
    values: torch.Tensor,
    p: float,
    training: bool,
    keep: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """
    `torch.matmul(torch.nn.functional.dropout(probs, p, training), values)`, keeping only
    `probs`, `values` and a bool mask for the backward pass (`probs` is what softmax keeps for
    its own backward anyway). `keep` fixes the mask, as in `bool_mask_dropout`.
    """
    if not _needs_mask(p, training) or not torch.is_grad_enabled():
        return torch.matmul(bool_mask_dropout(probs, p, training, keep), values)
    if keep is None:
        keep = dropout_keep_mask(probs, p)
    return _DroppedProbabilitiesTimesValues.apply(probs, values, keep, 1.0 / (1.0 - p))


class _GeluThenLinear(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx, inputs: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor]
    ) -> torch.Tensor:
        ctx.save_for_backward(inputs, weight)
        ctx.has_bias = bias is not None
        return F.linear(F.gelu(inputs), weight, bias)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:
        inputs, weight = ctx.saved_tensors
        grad_inputs = grad_weight = grad_bias = None
        flat_grad = grad.reshape(-1, grad.size(-1))
        if ctx.needs_input_grad[1]:
            activations = F.gelu(inputs)
            grad_weight = flat_grad.t().mm(activations.reshape(-1, activations.size(-1)))
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = flat_grad.sum(dim=0)
        if ctx.needs_input_grad[0]:
            grad_inputs = torch.ops.aten.gelu_backward(grad.matmul(weight), inputs)
        return grad_inputs, grad_weight, grad_bias


def gelu_then_linear(inputs: torch.Tensor, linear: torch.nn.Linear) -> torch.Tensor:
    """
    `linear(torch.nn.functional.gelu(inputs))` (exact erf GELU), keeping only `inputs` for the
    backward pass, which recomputes the GELU.
    """
    if not torch.is_grad_enabled():
        return linear(F.gelu(inputs))
    return _GeluThenLinear.apply(inputs, linear.weight, linear.bias)
