"""
Keeping BERT's inputs inside its embedding tables: every wordpiece id below `vocab_size`, every
type id below `type_vocab_size`, and no row longer than `max_position_embeddings`. Outside them,
torch's embedding lookup fails with a bare `IndexError: index out of range in self`.
"""

from typing import Optional, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import BertConfig


def check_ids_in_tables(
    config: BertConfig, input_ids: torch.Tensor, token_type_ids: torch.Tensor
) -> None:
    """
    Raises a `ConfigurationError` naming the id, the table's size and the fix when a wordpiece
    id of `input_ids` is outside `[0, config.vocab_size)` or a type id of `token_type_ids` is
    outside `[0, config.type_vocab_size)`.
    """
    bad = _id_outside(input_ids, config.vocab_size)
    if bad is not None:
        raise ConfigurationError(
            f"Wordpiece id {bad} is outside this BERT's embedding table (vocab_size "
            f"{config.vocab_size}): the indexer's vocabulary does not belong to this BERT. "
            f"Point the indexer's pretrained_model at the model's own vocab.txt."
        )
    bad = _id_outside(token_type_ids, config.type_vocab_size)
    if bad is not None:
        raise ConfigurationError(
            f"Type id {bad} is outside this BERT's token-type table (type_vocab_size "
            f"{config.type_vocab_size}): an input has more segments than this BERT takes. "
            f"The bert-pretrained indexer starts the next segment at each [SEP] token among "
            f"the words it is given: keep the checked readers' special_tokens_in_text at "
            f'"split" (the default), so that a [SEP] typed in a text is text, or give it at '
            f"most {config.type_vocab_size - 1} [SEP] token(s) per input."
        )


def _id_outside(ids: torch.Tensor, table_size: int) -> Optional[int]:
    """The smallest id of `ids` below 0, else the largest one from `table_size`, else `None`."""
    if not ids.numel():
        return None
    smallest, largest = int(ids.min()), int(ids.max())
    if smallest < 0:
        return smallest
    return largest if largest >= table_size else None


def cut_rows_to_length(
    input_ids: torch.Tensor, token_type_ids: torch.Tensor, input_mask: torch.Tensor, length: int
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """
    The batch (each tensor of shape `(batch_size, num_wordpieces)`, `input_mask` marking the
    real wordpieces, which come first in each row) cut to at most `length` wordpieces per row: a
    row with more real wordpieces keeps its first `length - 1` and its last one (the final
    `[SEP]`, with its type id). Shorter rows are unchanged. Returns new tensors; the inputs are
    not changed.
    """
    if input_ids.size(-1) <= length:
        return input_ids, token_type_ids, input_mask
    lengths = input_mask.long().sum(dim=-1)
    long_rows = (lengths > length).nonzero().view(-1)
    last = lengths[long_rows] - 1
    cut_ids = input_ids[:, :length].clone()
    cut_type_ids = token_type_ids[:, :length].clone()
    cut_ids[long_rows, length - 1] = input_ids[long_rows, last]
    cut_type_ids[long_rows, length - 1] = token_type_ids[long_rows, last]
    return cut_ids, cut_type_ids, input_mask[:, :length]
