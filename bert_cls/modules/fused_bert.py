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

Inference without work on padding is `bert_cls.modules.packed_inference`.
"""
import math

import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.lean_backward import BoolMaskDropout, dropout_then_matmul, gelu_then_linear


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
