"""
Packed, padding-free inference: BERT's pooled output with every per-position step run on the real
(unmasked) positions only.

In a BERT layer, everything but attention works position by position: the query, key, value
and output projections, the feed-forward layers, the residual additions and the layer norms.
`packed_pooled_output` keeps the hidden states of the real positions alone, packed into one
`(real positions, hidden)` matrix, runs those steps on it, and scatters keys, values and queries
into the padded `(batch, heads, length, head size)` layout for attention only (pad keys are
masked as in ppb, so they get exactly zero weight). It runs BERT's own modules, through the step
functions of `fused_layers`, so it works for fused and plain layers, any activation, and
int8-quantized Linear layers, and shares every weight by construction. The last layer runs at
`[CLS]` alone by default, as in `cls_last_layer.cls_pooled_output`.
"""

from typing import Optional

import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.fast_bert.fused_layers import attend, extended_attention_mask, feed_forward


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
    mask = mask.bool()
    real = mask.reshape(-1).nonzero().squeeze(1)
    lengths = mask.sum(dim=1)
    # Where each row's [CLS] (its first real position) is among the packed positions.
    cls_rows = torch.cumsum(lengths, dim=0) - lengths
    attention_mask = extended_attention_mask(bert_model, mask)
    embeddings = bert_model.embeddings(input_ids, token_type_ids)
    hidden_states = embeddings.reshape(batch * length, -1).index_select(0, real)
    layers = bert_model.encoder.layer
    for layer in layers[:-1]:
        hidden_states = _packed_layer(layer, hidden_states, real, batch, length, attention_mask)
    if cls_only_last_layer:
        cls_states = _packed_layer(
            layers[-1], hidden_states, real, batch, length, attention_mask, cls_rows
        )
    else:
        hidden_states = _packed_layer(
            layers[-1], hidden_states, real, batch, length, attention_mask
        )
        cls_states = hidden_states.index_select(0, cls_rows)
    return bert_model.pooler(cls_states.unsqueeze(1))


def _packed_layer(
    layer: ppb.BertLayer,
    hidden_states: torch.Tensor,
    real: torch.Tensor,
    batch: int,
    length: int,
    attention_mask: torch.Tensor,
    query_rows: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """
    `layer` on the packed real positions `hidden_states` (`(real positions, hidden)`); with
    `query_rows`, its output at those packed positions only (one per row of the batch).
    """
    attention = layer.attention.self
    heads, head_size = attention.num_attention_heads, attention.attention_head_size

    def padded(projected: torch.Tensor) -> torch.Tensor:
        states = projected.new_zeros(batch * length, projected.size(1))
        states.index_copy_(0, real, projected)
        return states.view(batch, length, heads, head_size).permute(0, 2, 1, 3)

    key_layer = padded(attention.key(hidden_states))
    value_layer = padded(attention.value(hidden_states))
    if query_rows is None:
        residual = hidden_states
        query_layer = padded(attention.query(hidden_states))
    else:
        residual = hidden_states.index_select(0, query_rows)
        query_layer = attention.query(residual).view(batch, 1, heads, head_size)
        query_layer = query_layer.permute(0, 2, 1, 3)
    context = attend(attention, query_layer, key_layer, value_layer, attention_mask)
    context = context.permute(0, 2, 1, 3).reshape(-1, attention.all_head_size)
    if query_rows is None:
        context = context.index_select(0, real)
    return feed_forward(layer, layer.attention.output(context, residual))
