"""
The `[CLS]`-only last layer: BERT's pooled output with the last layer computed at the `[CLS]`
position alone, in training and inference.

The pooler reads only the first position of the last layer's output, and in a BERT layer nothing
but attention mixes positions, so every other position's query, attention output, feed-forward
and layer norms in the last layer are work whose result is thrown away. `cls_pooled_output`
skips that work with the same arithmetic for `[CLS]`, so it gives the same logits and gradients
up to float rounding, for fused and plain layers alike. Its keys and values still come from
every position of the last layer's input.
"""

import torch
from pytorch_pretrained_bert import modeling as ppb
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.fast_bert.fused_layers import (
    attention_context,
    extended_attention_mask,
    feed_forward,
)


def last_layer_at_cls(
    layer: ppb.BertLayer, hidden_states: torch.Tensor, attention_mask: torch.Tensor
) -> torch.Tensor:
    """
    `layer`'s output at the first position only, `(batch, 1, hidden)`, for `hidden_states`
    (`(batch, length, hidden)`) and ppb's additive `attention_mask` (`(batch, 1, 1, length)`):
    its `[CLS]` query attends over all of `hidden_states`; every other step (output projection,
    residual, layer norms, feed-forward) is per position, so the rest need not be computed.
    """
    cls_states = hidden_states[:, :1]
    context = attention_context(layer.attention.self, cls_states, hidden_states, attention_mask)
    return feed_forward(layer, layer.attention.output(context, cls_states))


def cls_pooled_output(
    bert_model: BertModel,
    input_ids: torch.Tensor,
    token_type_ids: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """
    `bert_model`'s pooled output, `(batch, hidden)`, as its forward computes it
    (`output_all_encoded_layers=False`), with the last layer computed for the `[CLS]` position
    alone (`last_layer_at_cls`): the pooler reads nothing else. `input_ids` and
    `token_type_ids` are `(batch, length)` wordpiece and segment ids, `mask` (`(batch, length)`)
    marks the real positions. In training, with autograd and dropout, as the plain forward.
    """
    attention_mask = extended_attention_mask(bert_model, mask)
    hidden_states = bert_model.embeddings(input_ids, token_type_ids)
    layers = bert_model.encoder.layer
    for layer in layers[:-1]:
        hidden_states = layer(hidden_states, attention_mask)
    return bert_model.pooler(last_layer_at_cls(layers[-1], hidden_states, attention_mask))
