"""
Fused layers: `fuse_bert_model` turns a pytorch-pretrained-bert (ppb) 0.6.2 `BertModel`, in
place, into one that computes the same thing in fewer kernels, in training and inference.

- each ppb `BertLayerNorm` (mean, variance, sqrt and affine as separate Python tensor ops)
  becomes `torch.nn.LayerNorm` with the same epsilon and the very same `weight` and `bias`
  `Parameter` objects;
- ppb's Python erf-GELU becomes `torch.nn.functional.gelu` (also the exact erf form);
- self-attention (`FusedBertSelfAttention`) applies the `1 / sqrt(head size)` scaling and the
  attention mask inside one batched product of queries and keys;
- each layer (`FusedBertLayer`) runs its feed-forward through `feed_forward`, and each
  `torch.nn.Dropout` becomes `lean_backward.BoolMaskDropout`, so that training keeps less for
  the backward pass (see `bert_cls.modules.fast_bert.lean_backward`).

Parameter names, values and the state dict are unchanged, so checkpoints move freely between
fused and plain ppb models; outputs and gradients agree up to float rounding.

The step functions here (`attention_context`, `attend`, `feed_forward`,
`extended_attention_mask`) compute parts of a ppb layer, fused or plain, for the other pieces
of the fast path (`cls_last_layer`, `packed_inference`), which call them on parts of a batch.
"""

import math

import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.fast_bert.lean_backward import (
    BoolMaskDropout,
    dropout_then_matmul,
    gelu_then_linear,
)


def fuse_bert_model(bert_model: BertModel) -> BertModel:
    """
    Makes `bert_model` use fused layers, in place (see the module doc), and returns it (the same
    object). Parameters keep their names and identities, so an optimizer built before still
    updates them. Calling it again changes nothing.
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
    context_layer = attend(attention, query_layer, key_layer, value_layer, attention_mask)
    context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
    return context_layer.view(*context_layer.size()[:-2], attention.all_head_size)


def attend(
    attention: ppb.BertSelfAttention,
    query_layer: torch.Tensor,
    key_layer: torch.Tensor,
    value_layer: torch.Tensor,
    attention_mask: torch.Tensor,
) -> torch.Tensor:
    """
    The attention step of `attention` (ppb's `BertSelfAttention` or `FusedBertSelfAttention`)
    on projected queries, keys and values (`(batch, heads, positions, head size)`): the context,
    `(batch, heads, queries, head size)`.
    """
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
        return dropout_then_matmul(attention_probs, value_layer, dropout.p, dropout.training)
    attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2)) / scale
    attention_scores = attention_scores + attention_mask
    attention_probs = attention.dropout(torch.nn.functional.softmax(attention_scores, dim=-1))
    return torch.matmul(attention_probs, value_layer)


def extended_attention_mask(bert_model: BertModel, mask: torch.Tensor) -> torch.Tensor:
    """
    ppb's additive attention mask for `mask` (`(batch, length)`, true or 1 at real positions):
    `(batch, 1, 1, length)`, 0 at real positions and -10000 at pads, in the embeddings' dtype.
    """
    dtype = bert_model.embeddings.word_embeddings.weight.dtype
    return (1.0 - mask[:, None, None, :].to(dtype=dtype)) * -10000.0


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
