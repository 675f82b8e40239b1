"""Small random BERTs and their inputs for the module tests."""

from typing import Tuple

import torch
from pytorch_pretrained_bert.modeling import BertConfig, BertModel

from tests.fixture_bert import CLS, SEP


def random_bert(seed: int = 0, hidden_act: str = "gelu", layers: int = 3) -> BertModel:
    """A randomly initialised BERT, larger than the fixture one, with weights far from zero."""
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size_or_config_json_file=50,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=4,
        intermediate_size=48,
        hidden_act=hidden_act,
        max_position_embeddings=40,
        initializer_range=0.2,
    )
    return BertModel(config)


def bert_inputs(
    bert: BertModel, lengths, seed: int = 0, pair: bool = True
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random wordpieces `[CLS] ... [SEP]` of the given lengths, zero-padded to the longest;
    with `pair`, the second half of each row has type id 1."""
    generator = torch.Generator().manual_seed(seed)
    width = max(lengths)
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    type_ids = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(5, bert.config.vocab_size, (length,), generator=generator)
        ids[row, 0] = CLS
        if length > 1:
            ids[row, length - 1] = SEP
        if pair and length > 3:
            type_ids[row, length // 2 : length] = 1
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    return ids, type_ids, mask


def plain_forward(bert: BertModel, ids, type_ids, mask, all_layers: bool = False):
    return bert(ids, type_ids, mask.long(), output_all_encoded_layers=all_layers)
