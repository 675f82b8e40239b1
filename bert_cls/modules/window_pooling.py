"""
Classifying an input longer than BERT by its windows.

With `truncate_long_sequences: false`, the `bert-pretrained` indexer cuts a long input into
overlapping windows, wraps each in `[CLS]` ... `[SEP]` and concatenates them into one row:
`[CLS] w1 [SEP] [CLS] w2 [SEP] ...`. `split_into_windows` cuts each row of a batch back into its
windows, one BERT sequence each, and `pool_windows` pools a value computed per window (the
logits) into one per row.

A window starts at the row's first wordpiece and at every `[CLS]` that directly follows a
`[SEP]`. The ids of `[CLS]` and `[SEP]` are read from the batch itself (each row starts with
`[CLS]` and ends with `[SEP]`), so no window length has to be configured twice: windows of any
length are found, and a sentence pair's inner `[SEP]` (not followed by `[CLS]`) starts none.
"""

from typing import List, NamedTuple, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from torch.nn.utils.rnn import pad_sequence

WINDOW_POOLINGS = ("mean", "max")


class Windows(NamedTuple):
    """The windows of a batch, one per row of each tensor, in the order of the batch's rows."""

    token_ids: torch.LongTensor
    type_ids: torch.LongTensor
    mask: torch.BoolTensor
    # How many of the windows each row of the batch was cut into, in order.
    windows_per_row: List[int]


def check_window_pooling(window_pooling: str) -> None:
    if window_pooling not in WINDOW_POOLINGS:
        raise ConfigurationError(
            f"Unknown window_pooling {window_pooling!r}; choose one of "
            f"{', '.join(repr(choice) for choice in WINDOW_POOLINGS)}, or leave it unset."
        )


def split_into_windows(
    token_ids: torch.LongTensor, type_ids: torch.LongTensor, mask: torch.BoolTensor
) -> Windows:
    """
    Cuts each row of `token_ids` (shape `(batch_size, num_wordpieces)`, `mask` marking the real
    wordpieces) into its `[CLS] ... [SEP]` windows; `type_ids` and `mask` are cut alike. Only real
    windows are kept: padding does not make windows. A row without wordpieces gives one empty
    window, so that every row has at least one.
    """
    mask = mask.bool()
    lengths = mask.sum(dim=-1).tolist()
    cls_id, sep_id = window_markers(token_ids, lengths)
    ids_windows, type_windows, mask_windows = [], [], []
    windows_per_row = []
    for row, length in enumerate(lengths):
        starts = window_starts(token_ids[row, :length], cls_id, sep_id)
        for start, end in zip(starts, starts[1:] + [length]):
            ids_windows.append(token_ids[row, start:end])
            type_windows.append(type_ids[row, start:end])
            mask_windows.append(mask[row, start:end])
        windows_per_row.append(len(starts))
    return Windows(
        token_ids=pad_sequence(ids_windows, batch_first=True),
        type_ids=pad_sequence(type_windows, batch_first=True),
        mask=pad_sequence(mask_windows, batch_first=True),
        windows_per_row=windows_per_row,
    )


def window_markers(token_ids: torch.LongTensor, lengths: List[int]) -> Tuple[int, int]:
    """The ids of `[CLS]` and `[SEP]`: the first and the last wordpiece of every non-empty row."""
    rows = [row for row, length in enumerate(lengths) if length > 0]
    if not rows:
        return -1, -1
    firsts = {int(token_ids[row, 0]) for row in rows}
    lasts = {int(token_ids[row, lengths[row] - 1]) for row in rows}
    if len(firsts) > 1 or len(lasts) > 1:
        raise ConfigurationError(
            f"window_pooling expects every row to be [CLS] ... [SEP] windows, as the "
            f"'bert-pretrained' indexer makes them, but the rows start with wordpiece ids "
            f"{sorted(firsts)} and end with {sorted(lasts)}."
        )
    return firsts.pop(), lasts.pop()


def window_starts(row_ids: torch.LongTensor, cls_id: int, sep_id: int) -> List[int]:
    """The positions where the windows of one row (without its padding) start."""
    follows_sep = (row_ids[1:] == cls_id) & (row_ids[:-1] == sep_id)
    return [0] + (follows_sep.nonzero().view(-1) + 1).tolist()


def pool_windows(
    window_values: torch.Tensor, windows_per_row: List[int], window_pooling: str
) -> torch.Tensor:
    """
    Pools `window_values` (shape `(num_windows, ...)`, the windows of each row in turn) over the
    windows of each row with `"mean"` or `"max"`, giving shape `(batch_size, ...)`.
    """
    check_window_pooling(window_pooling)
    per_row = window_values.split(windows_per_row)
    if window_pooling == "mean":
        return torch.stack([values.mean(dim=0) for values in per_row])
    return torch.stack([values.max(dim=0).values for values in per_row])
