"""
Packed, padding-free inference: BERT's pooled output with every step run on the real (unmasked)
positions only.

In a BERT layer, everything but attention works position by position: the query, key, value
and output projections, the feed-forward layers, the residual additions and the layer norms.
`packed_pooled_output` keeps the hidden states of the real positions alone, packed row after row
into one `(real positions, hidden)` matrix, and runs those steps on it; float query, key and
value projections run as one product (`fused_projection`). Attention then runs row by row, over
that row's real positions alone: its queries, keys and values are strided views into the packed
projections (no padding, no copies), and its scores, `(heads, length, length)`, are small
enough to stay in the processor's cache. Pad positions would get exactly zero attention weight
in the padded forward (their scores are pushed down by 10000 before the softmax), so this
computes the same thing. It runs BERT's own modules and parameters, for fused and plain layers,
any activation, and int8-quantized Linear layers. The last layer runs at `[CLS]` alone by
default, as in `cls_last_layer.cls_pooled_output`.
"""

import math
from typing import List, NamedTuple, Tuple

import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.fast_bert.fused_projection import projections

QUERY_KEY_VALUE = ("query", "key", "value")
KEY_VALUE = ("key", "value")


class Packing(NamedTuple):
    """Where each row's real positions are among the packed positions."""

    # Flat indices (row * length + position) of the real positions, in row order.
    real: torch.Tensor
    # Packed index of each row's first real position ([CLS]), and each row's (start, count).
    cls_rows: torch.Tensor
    spans: List[Tuple[int, int]]

    @classmethod
    def of(cls, mask: torch.Tensor) -> "Packing":
        lengths = mask.sum(dim=1)
        starts = torch.cumsum(lengths, dim=0) - lengths
        real = mask.reshape(-1).nonzero().squeeze(1)
        return cls(real, starts, list(zip(starts.tolist(), lengths.tolist())))


def packed_pooled_output(
    bert_model: BertModel,
    input_ids: torch.Tensor,
    token_type_ids: torch.Tensor,
    mask: torch.Tensor,
    cls_only_last_layer: bool = True,
) -> torch.Tensor:
    """
    `bert_model`'s pooled output, `(batch, hidden)`, as its forward computes it
    (`output_all_encoded_layers=False`), for inference (eval mode; no dropout is drawn).
    `input_ids` and `token_type_ids` are `(batch, length)` wordpiece and segment ids; `mask`
    (`(batch, length)`) marks the real positions, and the first position of every row (`[CLS]`)
    must be one of them, else a `ValueError` is raised. `cls_only_last_layer` False computes
    the last layer at every real position, as ppb's forward does, before the pooler reads
    `[CLS]`.
    """
    if not bool(mask[:, 0].all()):
        raise ValueError("packed_pooled_output needs the first position of every row unmasked.")
    batch, length = input_ids.shape
    packing = Packing.of(mask.bool())
    embeddings = bert_model.embeddings(input_ids, token_type_ids)
    hidden_states = embeddings.reshape(batch * length, -1).index_select(0, packing.real)
    layers = bert_model.encoder.layer
    for layer in layers[:-1]:
        hidden_states = packed_layer(layer, hidden_states, packing)
    if cls_only_last_layer:
        cls_states = packed_layer_at_cls(layers[-1], hidden_states, packing)
    else:
        hidden_states = packed_layer(layers[-1], hidden_states, packing)
        cls_states = hidden_states.index_select(0, packing.cls_rows)
    return bert_model.pooler(cls_states.unsqueeze(1))


def packed_layer(
    layer: ppb.BertLayer, hidden_states: torch.Tensor, packing: Packing
) -> torch.Tensor:
    """`layer`'s output at every packed position, `(real positions, hidden)`."""
    attention = layer.attention.self
    queries, keys, values = _per_head(attention, QUERY_KEY_VALUE, hidden_states)
    context = _attend_row_by_row(attention, queries, keys, values, packing, at_cls=False)
    return _rest_of_layer(layer, context.view(hidden_states.shape), hidden_states)


def packed_layer_at_cls(
    layer: ppb.BertLayer, hidden_states: torch.Tensor, packing: Packing
) -> torch.Tensor:
    """
    `layer`'s output at each row's `[CLS]` position only, `(batch, hidden)`: its query attends
    over the row's real positions; nothing else is needed from the layer by the pooler.
    """
    attention = layer.attention.self
    cls_states = hidden_states.index_select(0, packing.cls_rows)
    (queries,) = _per_head(attention, ("query",), cls_states)
    keys, values = _per_head(attention, KEY_VALUE, hidden_states)
    context = _attend_row_by_row(attention, queries, keys, values, packing, at_cls=True)
    return _rest_of_layer(layer, context.view(cls_states.shape), cls_states)


def _per_head(
    attention: ppb.BertSelfAttention, names: Tuple[str, ...], hidden_states: torch.Tensor
) -> List[torch.Tensor]:
    """The named projections of `hidden_states`, each `(positions, heads, head size)`."""
    heads, head_size = attention.num_attention_heads, attention.attention_head_size
    return [
        projected.view(-1, heads, head_size)
        for projected in projections(attention, names, hidden_states)
    ]


def _attend_row_by_row(
    attention: ppb.BertSelfAttention,
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    packing: Packing,
    at_cls: bool,
) -> torch.Tensor:
    """
    Softmax attention (eval mode), `(queries, heads, head size)`, of each row's queries over its
    own keys and values (`(real positions, heads, head size)`). The queries are every packed
    position's, or with `at_cls` one per row; they are scaled in place.
    """
    queries.mul_(1.0 / math.sqrt(attention.attention_head_size))
    context = torch.empty_like(queries)
    for row, (start, count) in enumerate(packing.spans):
        rows = slice(row, row + 1) if at_cls else slice(start, start + count)
        # (heads, positions, head size) views; the product lands in place in `context`.
        key, value = (t[start : start + count].transpose(0, 1) for t in (keys, values))
        scores = torch.bmm(queries[rows].transpose(0, 1), key.transpose(1, 2))
        torch.bmm(torch.softmax(scores, dim=-1), value, out=context[rows].transpose(0, 1))
    return context


def _rest_of_layer(
    layer: ppb.BertLayer, context: torch.Tensor, residual: torch.Tensor
) -> torch.Tensor:
    """
    What `layer` does after attention, in eval mode (dropout is the identity): the output
    projection, residual and layer norm, then the feed-forward, residual and layer norm.
    """
    attention_output = _dense_add_norm(layer.attention.output, context, residual)
    return _dense_add_norm(layer.output, _intermediate(layer, attention_output), attention_output)


def _intermediate(layer: ppb.BertLayer, inputs: torch.Tensor) -> torch.Tensor:
    """ppb's `BertIntermediate`; torch's GELU (a fused layer's) in place, sparing a tensor."""
    intermediate = layer.intermediate
    hidden = intermediate.dense(inputs)
    if intermediate.intermediate_act_fn is torch.nn.functional.gelu:
        return torch.ops.aten.gelu_(hidden)
    return intermediate.intermediate_act_fn(hidden)


def _dense_add_norm(
    output: torch.nn.Module, inputs: torch.Tensor, residual: torch.Tensor
) -> torch.Tensor:
    """ppb's `BertSelfOutput` / `BertOutput` in eval mode, the residual added in place."""
    hidden = output.dense(inputs)
    hidden += residual
    return output.LayerNorm(hidden)
