import pytest
import torch
from allennlp.common.checks import ConfigurationError

from bert_cls.modules.window_pooling import pool_windows, split_into_windows
from tests.fixture_bert import CLS, SEP


def batch(*rows):
    """Token ids, type ids (the position, to see them carried along) and mask of padded rows."""
    width = max(len(row) for row in rows)
    ids = torch.tensor([row + [0] * (width - len(row)) for row in rows])
    mask = torch.tensor([[True] * len(row) + [False] * (width - len(row)) for row in rows])
    type_ids = torch.arange(width).expand_as(ids) * mask
    return ids, type_ids, mask


def test_rows_are_cut_at_each_cls_after_a_sep():
    ids, type_ids, mask = batch(
        [CLS, 5, 6, SEP, CLS, 6, 7, SEP, CLS, 8, SEP],
        [CLS, 9, SEP],
    )
    windows = split_into_windows(ids, type_ids, mask)
    assert windows.windows_per_row == [3, 1]
    assert windows.token_ids.tolist() == [
        [CLS, 5, 6, SEP],
        [CLS, 6, 7, SEP],
        [CLS, 8, SEP, 0],
        [CLS, 9, SEP, 0],
    ]
    assert windows.type_ids.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 0], [0, 1, 2, 0]]
    assert windows.mask.tolist() == [
        [True] * 4,
        [True] * 4,
        [True] * 3 + [False],
        [True] * 3 + [False],
    ]


def test_a_sentence_pair_is_one_window():
    ids, type_ids, mask = batch([CLS, 5, SEP, 6, 7, SEP])
    windows = split_into_windows(ids, type_ids, mask)
    assert windows.windows_per_row == [1]
    assert windows.token_ids.tolist() == [[CLS, 5, SEP, 6, 7, SEP]]


def test_a_row_without_wordpieces_is_one_empty_window():
    ids, type_ids, mask = batch([CLS, 5, SEP, CLS, 6, SEP], [])
    windows = split_into_windows(ids, type_ids, mask)
    assert windows.windows_per_row == [2, 1]
    assert windows.mask.tolist()[-1] == [False, False, False]


def test_rows_that_are_not_windows_are_a_configuration_error():
    ids, type_ids, mask = batch([CLS, 5, SEP], [7, 5, SEP])
    with pytest.raises(ConfigurationError, match=r"start with wordpiece ids \[2, 7\]"):
        split_into_windows(ids, type_ids, mask)


def test_mean_and_max_pool_each_rows_windows():
    values = torch.tensor([[1.0, -4.0], [3.0, 2.0], [5.0, 0.0], [-1.0, 7.0]])
    expected_mean = torch.tensor([[(1.0 + 3.0 + 5.0) / 3, (-4.0 + 2.0 + 0.0) / 3], [-1.0, 7.0]])
    assert torch.allclose(pool_windows(values, [3, 1], "mean"), expected_mean)
    assert pool_windows(values, [3, 1], "max").tolist() == [[5.0, 2.0], [-1.0, 7.0]]
    assert pool_windows(values, [1, 3], "max").tolist() == [[1.0, -4.0], [5.0, 7.0]]


def test_unknown_pooling_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="'sum'.*'mean', 'max'"):
        pool_windows(torch.zeros(1, 2), [1], "sum")
