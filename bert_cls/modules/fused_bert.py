"""
Faster ways to run a pytorch-pretrained-bert (ppb) 0.6.2 `BertModel`, computing the same thing.

`fuse_bert_model` (training and inference)
    Replaces each ppb `BertLayerNorm` (mean, variance, sqrt and affine written as separate
    Python tensor ops) by `torch.nn.LayerNorm` with the same epsilon and the very same `weight`
    and `bias` `Parameter` objects, and ppb's Python erf-GELU by `torch.nn.functional.gelu`
    (also the exact erf form), scales and masks the attention scores inside their batched
    product (`FusedBertSelfAttention`), and runs the feed-forward through `feed_forward`
    (`FusedBertLayer`). Parameter names, values and the state dict are unchanged, so
    checkpoints move freely between fused and plain ppb models; outputs and gradients agree
    within float rounding (1e-5 and better). In training the fused model also keeps less for
    the backward pass (`bert_cls.modules.lean_backward`, `BoolMaskDropout`): bool dropout masks
    instead of float ones; the dropped-out attention probabilities and the GELU output are
    recomputed in the backward pass instead of kept.

`cls_pooled_output` (training and inference)
    BERT's pooled output with the last layer computed at the `[CLS]` position alone: the pooler
    reads only that position, and in the last layer nothing but attention mixes positions, so
    every other position's query, attention output, feed-forward and layer norms are work
    whose result is thrown away (for MiniLM at 128 wordpieces, about 14% of the encoder's
    FLOPs and of its activation memory in training). The same arithmetic for `[CLS]`, so the
    same logits and gradients up to float rounding.

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

from bert_cls.modules.lean_backward import BoolMaskDropout, dropout_then_matmul, gelu_then_linear

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
        # Same attributes, parameters and names; only `forward` differs.
        if type(module) is ppb.BertSelfAttention:
            module.__class__ = FusedBertSelfAttention
        elif type(module) is ppb.BertLayer:
            module.__class__ = FusedBertLayer
        elif type(module) is torch.nn.Dropout:
            module.__class__ = BoolMaskDropout
    return bert_model


class FusedBertLayer(ppb.BertLayer):
    """
    ppb's `BertLayer` whose feed-forward goes through `feed_forward`. `fuse_bert_model` turns
    ppb's layers into this class in place (`__class__`), so parameters are untouched.
    """

    def forward(self, hidden_states, attention_mask):
        return feed_forward(self, self.attention(hidden_states, attention_mask))


def feed_forward(layer: ppb.BertLayer, attention_output: torch.Tensor) -> torch.Tensor:
    """
    What `layer.output(layer.intermediate(attention_output), attention_output)` computes. With
    autograd on and torch's GELU (a fused layer), the GELU and the second Linear layer run as
    `gelu_then_linear`, which keeps only the GELU input for the backward pass.
    """
    intermediate, output = layer.intermediate, layer.output
    if (
        torch.is_grad_enabled()
        and intermediate.intermediate_act_fn is torch.nn.functional.gelu
        and isinstance(intermediate.dense, torch.nn.Linear)
        and isinstance(output.dense, torch.nn.Linear)
    ):
        hidden_states = gelu_then_linear(intermediate.dense(attention_output), output.dense)
        return output.LayerNorm(output.dropout(hidden_states) + attention_output)
    return output(intermediate(attention_output), attention_output)


class FusedBertSelfAttention(ppb.BertSelfAttention):
    """
    ppb's `BertSelfAttention` with the `1 / sqrt(head size)` scaling and the attention mask
    applied inside one batched product (`torch.baddbmm`) instead of by two more passes over
    the attention scores (batch x heads x length x length), in the forward and so in the
    backward too; and, in training, the attention dropout of `dropout_then_matmul`. The same
    attention up to float rounding. `fuse_bert_model` turns ppb's modules into this class in
    place (`__class__`), so parameters are untouched.
    """

    def forward(self, hidden_states, attention_mask):
        return attention_context(self, hidden_states, hidden_states, attention_mask)


def attention_context(
    attention: ppb.BertSelfAttention,
    query_states: torch.Tensor,
    hidden_states: torch.Tensor,
    attention_mask: torch.Tensor,
) -> torch.Tensor:
    """
    What ppb's `BertSelfAttention` (plain, or `FusedBertSelfAttention`, each with its own
    operations) computes for the positions of `query_states` (`(batch, queries,
    hidden)`), attending over all positions of `hidden_states` (`(batch, length, hidden)`).
    With `query_states` being `hidden_states` it is the module's forward.
    """
    query_layer = attention.transpose_for_scores(attention.query(query_states))
    key_layer = attention.transpose_for_scores(attention.key(hidden_states))
    value_layer = attention.transpose_for_scores(attention.value(hidden_states))
    scale = math.sqrt(attention.attention_head_size)
    if isinstance(attention, FusedBertSelfAttention):
        batch, heads, queries, head_size = query_layer.shape
        length = key_layer.size(2)
        mask = attention_mask.expand(batch, heads, attention_mask.size(2), length)
        attention_scores = torch.baddbmm(
            mask.reshape(batch * heads, mask.size(2), length),
            query_layer.reshape(batch * heads, queries, head_size),
            key_layer.reshape(batch * heads, length, head_size).transpose(1, 2),
            alpha=1.0 / scale,
        ).view(batch, heads, queries, length)
        attention_probs = torch.nn.functional.softmax(attention_scores, dim=-1)
        dropout = attention.dropout
        context_layer = dropout_then_matmul(attention_probs, value_layer, dropout.p, dropout.training)
    else:
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2)) / scale
        attention_scores = attention_scores + attention_mask
        attention_probs = attention.dropout(torch.nn.functional.softmax(attention_scores, dim=-1))
        context_layer = torch.matmul(attention_probs, value_layer)
    context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
    return context_layer.view(*context_layer.size()[:-2], attention.all_head_size)


def extended_attention_mask(bert_model: BertModel, mask: torch.Tensor) -> torch.Tensor:
    """ppb's additive attention mask, `(batch, 1, 1, length)`: 0 at real positions, -10000 at pads."""
    dtype = bert_model.embeddings.word_embeddings.weight.dtype
    return (1.0 - mask[:, None, None, :].to(dtype=dtype)) * -10000.0


def last_layer_at_cls(layer: ppb.BertLayer, hidden_states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """
    `layer`'s output at the first position only, `(batch, 1, hidden)`: its `[CLS]` query
    attends over all of `hidden_states`; every other step (output projection, residual, layer
    norms, feed-forward) is per position, so the rest need not be computed.
    """
    cls_states = hidden_states[:, :1]
    context = attention_context(layer.attention.self, cls_states, hidden_states, attention_mask)
    return feed_forward(layer, layer.attention.output(context, cls_states))


def cls_pooled_output(
    bert_model: BertModel, input_ids: torch.Tensor, token_type_ids: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """
    `bert_model`'s pooled output, as its forward computes it (`output_all_encoded_layers=False`),
    with the last layer computed for the `[CLS]` position alone (`last_layer_at_cls`): the
    pooler reads nothing else. In training, autograd and dropout, as in the plain forward.
    """
    attention_mask = extended_attention_mask(bert_model, mask)
    hidden_states = bert_model.embeddings(input_ids, token_type_ids)
    layers = bert_model.encoder.layer
    for layer in layers[:-1]:
        hidden_states = layer(hidden_states, attention_mask)
    return bert_model.pooler(last_layer_at_cls(layers[-1], hidden_states, attention_mask))


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
    Whether no ppb `BertLayerNorm`, no ppb Python GELU, no plain ppb `BertSelfAttention` or
    `BertLayer` and no plain `torch.nn.Dropout` is left in `bert_model`.
    """
    for module in bert_model.modules():
        if type(module) in (ppb.BertLayer, torch.nn.Dropout):
            return False
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
        self._encoder_before_last: Optional[torch.nn.TransformerEncoder] = None
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
            if type(layer) not in (ppb.BertLayer, FusedBertLayer):
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
        cls_only_last_layer: bool = False,
    ) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
        """
        `(sequence_output, pooled_output)` of `bert_model` as its plain forward computes them
        (`output_all_encoded_layers=False`), or `None` when the fast path cannot run
        (see `can_run`; also for a mask that does not mark a non-empty prefix of each row).
        `sequence_output` is zero at pad positions and is cut to the longest row. With
        `cls_only_last_layer`, the last layer runs for the `[CLS]` position alone
        (`last_layer_at_cls`, on the padded states) and `sequence_output` is that position only,
        `(batch, 1, hidden)`.
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
        self._build_if_stale(bert_model)
        encoder = self._encoder_before_last if cls_only_last_layer else self._encoder
        sequence_output = bert_model.embeddings(input_ids, token_type_ids)
        if encoder is not None:
            sequence_output = self._run(encoder, sequence_output, mask)
        if cls_only_last_layer:
            attention_mask = extended_attention_mask(bert_model, mask)
            sequence_output = last_layer_at_cls(bert_model.encoder.layer[-1], sequence_output, attention_mask)
        return sequence_output, bert_model.pooler(sequence_output)

    @staticmethod
    def _run(encoder: torch.nn.TransformerEncoder, embeddings: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if bool(mask.all()):
            # No padding: a plain tensor takes the same fused kernel.
            return encoder(embeddings)
        with warnings.catch_warnings():
            # torch 1.12 warns once that nested tensors are a prototype; they are used
            # internally here, never handed out.
            warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")
            output = encoder(embeddings, src_key_padding_mask=~mask.bool())
        if output.size(1) < mask.size(1):  # cannot happen with a prefix mask
            output = torch.nn.functional.pad(output, (0, 0, 0, mask.size(1) - output.size(1)))
        return output

    __call__ = forward

    def _build_if_stale(self, bert_model: BertModel) -> None:
        if self._encoder is None or self._bert_model is not bert_model or not self._is_current():
            self._build(bert_model)

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
        self._encoder_before_last = None
        if len(layers) > 1:
            # The same torch layers but the last (see `forward`'s `cls_only_last_layer`).
            before_last = torch.nn.TransformerEncoder(
                template, num_layers=1, enable_nested_tensor=True
            )
            before_last.layers = torch.nn.ModuleList(list(encoder.layers)[:-1])
            before_last.num_layers = len(layers) - 1
            self._encoder_before_last = before_last.eval()
        self._bert_model = bert_model
        self._links = links
        self._shared = shared
        logger.debug("Built the padding-free encoder (%d layers).", len(layers))


def _eps(layer_norm: torch.nn.Module) -> float:
    if isinstance(layer_norm, torch.nn.LayerNorm):
        return layer_norm.eps
    return layer_norm.variance_epsilon
