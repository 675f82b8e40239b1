"""
Faster ways to run a pytorch-pretrained-bert (ppb) 0.6.2 `BertModel`, computing the same thing.

`fuse_bert_model` (training and inference)
    Replaces each ppb `BertLayerNorm` (mean, variance, sqrt and affine written as separate
    Python tensor ops) by `torch.nn.LayerNorm` with the same epsilon and the very same `weight`
    and `bias` `Parameter` objects, and ppb's Python erf-GELU by `torch.nn.functional.gelu`
    (also the exact erf form), and scales the attention queries rather than the attention scores
    (`ScaledQueryBertSelfAttention`). Parameter names, values and the state dict are unchanged, so
    checkpoints move freely between fused and plain ppb models; outputs and gradients agree
    within float rounding (1e-5 and better).

`PaddingFreeEncoder` (inference)
    Runs BERT's encoder as `torch.nn.TransformerEncoder` layers on nested tensors, so that no
    work is spent on pad positions, through torch's fused `_transformer_encoder_layer_fwd`
    kernel. It only runs where that kernel may: in eval mode, with autograd off
    (`torch.no_grad()` / `torch.inference_mode()`), with float `torch.nn.Linear` layers (not
    int8-quantized ones), GELU or ReLU, and masks that mark a prefix of each row. Otherwise
    `forward` returns `None` and the caller runs the plain ppb encoder.

    No weight is copied: each torch layer holds ppb's own `Parameter` objects, and ppb's
    query/key/value weights (and biases) are re-pointed at slices of one `[3h, h]` tensor that
    is the torch layer's `in_proj_weight`. Any update of ppb's parameters, in place through
    `.data` or not, by an optimizer or `load_state_dict`, is therefore seen at once; and anything
    that gives a ppb parameter new storage (`module.weight = Parameter(...)`, `param.data = t`,
    `.to(dtype)`) is noticed on the next call, which rebuilds the torch layers. Stale weights
    cannot be used.
"""
import logging
import math
import warnings
from typing import List, Optional, Tuple

import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

logger = logging.getLogger(__name__)

# The activations torch's fused encoder kernel implements, by ppb `hidden_act`.
FAST_PATH_ACTIVATIONS = {"gelu": "gelu", "relu": "relu"}


def fuse_bert_model(bert_model: BertModel) -> BertModel:
    """
    Makes `bert_model` use `torch.nn.LayerNorm` and `torch.nn.functional.gelu`, in place (see the
    module doc), and returns it. Parameters keep their names and identities, so an optimizer
    built before still updates them. Calling it again changes nothing.
    """
    for module in list(bert_model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, ppb.BertLayerNorm) and not isinstance(child, torch.nn.LayerNorm):
                module._modules[name] = _torch_layer_norm(child)
        if isinstance(module, ppb.BertIntermediate) and module.intermediate_act_fn is ppb.gelu:
            module.intermediate_act_fn = torch.nn.functional.gelu
        if type(module) is ppb.BertSelfAttention:
            # Same attributes, parameters and names; only `forward` differs.
            module.__class__ = ScaledQueryBertSelfAttention
    return bert_model


class ScaledQueryBertSelfAttention(ppb.BertSelfAttention):
    """
    ppb's `BertSelfAttention` with the `1 / sqrt(head size)` scaling applied to the queries
    (batch x length x hidden numbers) instead of to the attention scores (batch x heads x
    length x length, several times more for lengths above the head size), in the forward and
    so in the backward too. The same attention up to float rounding. `fuse_bert_model` turns
    ppb's modules into this class in place (`__class__`), so parameters are untouched.
    """

    def forward(self, hidden_states, attention_mask):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        query_layer = query_layer * (1.0 / math.sqrt(self.attention_head_size))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2)) + attention_mask
        attention_probs = self.dropout(torch.nn.functional.softmax(attention_scores, dim=-1))
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        return context_layer.view(*context_layer.size()[:-2], self.all_head_size)


def _torch_layer_norm(layer_norm: torch.nn.Module) -> torch.nn.LayerNorm:
    weight = layer_norm.weight
    fused = torch.nn.LayerNorm(
        weight.shape[0], eps=layer_norm.variance_epsilon, device=torch.device("meta")
    )
    # The same Parameter objects: same names, same values, same optimizer state.
    fused.weight = weight
    fused.bias = layer_norm.bias
    fused.train(layer_norm.training)
    return fused


def is_fused(bert_model: BertModel) -> bool:
    """
    Whether no ppb `BertLayerNorm`, no ppb Python GELU and no plain ppb `BertSelfAttention` is
    left in `bert_model`.
    """
    for module in bert_model.modules():
        if isinstance(module, ppb.BertLayerNorm) and not isinstance(module, torch.nn.LayerNorm):
            return False
        if isinstance(module, ppb.BertIntermediate) and module.intermediate_act_fn is ppb.gelu:
            return False
        if type(module) is ppb.BertSelfAttention:
            return False
    return True


def prefix_lengths(mask: torch.Tensor) -> Optional[torch.Tensor]:
    """
    The number of real positions of each row, when `mask` (`(batch, length)`, true for real
    positions) marks a prefix of every row, and every row has at least one; else `None`.
    """
    if mask.dim() != 2 or mask.size(1) == 0:
        return None
    mask = mask.bool()
    if not bool(mask[:, 0].all()):
        return None
    if mask.size(1) > 1 and bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        return None
    return mask.sum(dim=1)


class PaddingFreeEncoder:
    """
    BERT's encoder as torch's nested-tensor `TransformerEncoder`, for inference (module doc).

    Not a `torch.nn.Module` on purpose: it is not part of the model's state dict, parameters or
    module tree, so archives, optimizers and `quantize_dynamic` never see it. Copies and
    pickles of it are empty and rebuild on first use.
    """

    def __init__(self) -> None:
        self._encoder: Optional[torch.nn.TransformerEncoder] = None
        self._bert_model: Optional[BertModel] = None
        # (joint tensor, ppb Linear, "weight" or "bias", byte offset of its part in the joint).
        self._links: List[Tuple[torch.Tensor, torch.nn.Module, str, int]] = []
        # (torch module, ppb module, "weight" or "bias") that hold the same Parameter.
        self._shared: List[Tuple[torch.nn.Module, torch.nn.Module, str]] = []
        self.builds = 0

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def __deepcopy__(self, memo):
        return PaddingFreeEncoder()

    def clear(self) -> None:
        self.__init__()

    @staticmethod
    def can_run(bert_model: BertModel) -> bool:
        """Whether torch's fused kernel can compute this BERT's encoder at all (with this mode)."""
        if bert_model.training or torch.is_grad_enabled():
            return False
        config = bert_model.config
        if not isinstance(config.hidden_act, str) or config.hidden_act not in FAST_PATH_ACTIVATIONS:
            return False
        for layer in bert_model.encoder.layer:
            if type(layer) is not ppb.BertLayer:
                return False
            linears = (
                layer.attention.self.query,
                layer.attention.self.key,
                layer.attention.self.value,
                layer.attention.output.dense,
                layer.intermediate.dense,
                layer.output.dense,
            )
            # Dynamically quantized (int8) Linear layers are no torch.nn.Linear.
            if not all(isinstance(linear, torch.nn.Linear) for linear in linears):
                return False
            if not all(linear.weight.dtype == torch.float32 for linear in linears):
                return False
            if not all(
                isinstance(norm, torch.nn.LayerNorm) or isinstance(norm, ppb.BertLayerNorm)
                for norm in (layer.attention.output.LayerNorm, layer.output.LayerNorm)
            ):
                return False
        return True

    def forward(
        self,
        bert_model: BertModel,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor,
        mask: torch.Tensor,
    ) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
        """
        `(sequence_output, pooled_output)` of `bert_model` as its plain forward computes them
        (`output_all_encoded_layers=False`), or `None` when the fast path cannot run
        (see `can_run`; also for a mask that does not mark a non-empty prefix of each row).
        `sequence_output` is zero at pad positions and is cut to the longest row.
        """
        if not self.can_run(bert_model):
            return None
        lengths = prefix_lengths(mask)
        if lengths is None:
            return None
        max_length = int(lengths.max())
        input_ids, token_type_ids, mask = (
            input_ids[:, :max_length],
            token_type_ids[:, :max_length],
            mask[:, :max_length],
        )
        encoder = self._current_encoder(bert_model)
        embeddings = bert_model.embeddings(input_ids, token_type_ids)
        if bool(mask.all()):
            # No padding: a plain tensor takes the same fused kernel.
            sequence_output = encoder(embeddings)
        else:
            with warnings.catch_warnings():
                # torch 1.12 warns once that nested tensors are a prototype; they are used
                # internally here, never handed out.
                warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")
                sequence_output = encoder(embeddings, src_key_padding_mask=~mask.bool())
            if sequence_output.size(1) < max_length:  # cannot happen with a prefix mask
                sequence_output = torch.nn.functional.pad(
                    sequence_output, (0, 0, 0, max_length - sequence_output.size(1))
                )
        return sequence_output, bert_model.pooler(sequence_output)

    __call__ = forward

    def _current_encoder(self, bert_model: BertModel) -> torch.nn.TransformerEncoder:
        if self._encoder is None or self._bert_model is not bert_model or not self._is_current():
            self._build(bert_model)
        return self._encoder

    def _is_current(self) -> bool:
        for torch_module, bert_module, kind in self._shared:
            if getattr(torch_module, kind) is not getattr(bert_module, kind):
                return False
        for joint, linear, kind, offset in self._links:
            part = getattr(linear, kind)
            if part.dtype != joint.dtype or part.data_ptr() != joint.data_ptr() + offset:
                return False
        return True

    def _build(self, bert_model: BertModel) -> None:
        # Outside inference mode, so that no inference tensor ends up in the model's parameters.
        with torch.inference_mode(False), torch.no_grad():
            self._build_encoder(bert_model)
        self.builds += 1

    def _build_encoder(self, bert_model: BertModel) -> None:
        config = bert_model.config
        layers = bert_model.encoder.layer
        template = torch.nn.TransformerEncoderLayer(
            d_model=config.hidden_size,
            nhead=config.num_attention_heads,
            dim_feedforward=config.intermediate_size,
            dropout=0.0,
            activation=FAST_PATH_ACTIVATIONS[config.hidden_act],
            layer_norm_eps=_eps(layers[0].output.LayerNorm),
            batch_first=True,
            norm_first=False,
            device=torch.device("meta"),
        )
        encoder = torch.nn.TransformerEncoder(
            template, num_layers=len(layers), enable_nested_tensor=True
        )
        links: List[Tuple[torch.Tensor, torch.nn.Module, str, int]] = []
        shared: List[Tuple[torch.nn.Module, torch.nn.Module, str]] = []
        for torch_layer, bert_layer in zip(encoder.layers, layers):
            attention = bert_layer.attention.self
            for kind in ("weight", "bias"):
                linears = (attention.query, attention.key, attention.value)
                joint = torch.cat([getattr(linear, kind).detach() for linear in linears], dim=0)
                row_bytes = joint[0].numel() * joint.element_size()
                offset = 0
                for linear in linears:
                    part = getattr(linear, kind)
                    # The ppb parameter now lives inside the joint tensor: every later update
                    # of it updates the joint tensor the kernel reads.
                    part.data = joint[offset : offset + part.shape[0]]
                    links.append((joint, linear, kind, offset * row_bytes))
                    offset += part.shape[0]
                setattr(
                    torch_layer.self_attn,
                    f"in_proj_{kind}",
                    torch.nn.Parameter(joint, requires_grad=False),
                )
            pairs = (
                (torch_layer.self_attn.out_proj, bert_layer.attention.output.dense),
                (torch_layer.norm1, bert_layer.attention.output.LayerNorm),
                (torch_layer.linear1, bert_layer.intermediate.dense),
                (torch_layer.linear2, bert_layer.output.dense),
                (torch_layer.norm2, bert_layer.output.LayerNorm),
            )
            for torch_module, bert_module in pairs:
                for kind in ("weight", "bias"):
                    setattr(torch_module, kind, getattr(bert_module, kind))
                    shared.append((torch_module, bert_module, kind))
        encoder.eval()
        self._encoder = encoder
        self._bert_model = bert_model
        self._links = links
        self._shared = shared
        logger.debug("Built the padding-free encoder (%d layers).", len(layers))


def _eps(layer_norm: torch.nn.Module) -> float:
    if isinstance(layer_norm, torch.nn.LayerNorm):
        return layer_norm.eps
    return layer_norm.variance_epsilon
