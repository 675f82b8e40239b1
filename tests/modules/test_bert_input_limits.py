import pytest
import torch
from allennlp.common.checks import ConfigurationError

from bert_cls.modules.bert_input_limits import check_ids_in_tables, cut_rows_to_length
from tests.fixture_bert import fixture_bert


def test_rows_longer_than_the_length_keep_their_first_pieces_and_their_last():
    ids = torch.tensor([[2, 5, 6, 7, 8, 3], [2, 9, 3, 0, 0, 0]])
    type_ids = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    mask = ids != 0
    cut_ids, cut_type_ids, cut_mask = cut_rows_to_length(ids, type_ids, mask, 4)
    assert cut_ids.tolist() == [[2, 5, 6, 3], [2, 9, 3, 0]]
    assert cut_type_ids.tolist() == [[0, 0, 0, 1], [0, 0, 0, 0]]
    assert cut_mask.tolist() == [[True] * 4, [True, True, True, False]]
    # The inputs are unchanged; a batch that fits comes back as it is.
    assert ids[0].tolist() == [2, 5, 6, 7, 8, 3]
    assert cut_rows_to_length(ids, type_ids, mask, 6)[0] is ids


def test_ids_inside_the_tables_pass():
    config = fixture_bert().config
    check_ids_in_tables(config, torch.tensor([[0, 37]]), torch.tensor([[0, 1]]))
    check_ids_in_tables(config, torch.zeros(0, 0, dtype=torch.long), torch.zeros(0, 0))


@pytest.mark.parametrize(
    "ids, type_ids, message",
    [
        ([[2, 38]], [[0, 0]], "Wordpiece id 38 is outside this BERT's embedding table"),
        ([[2, -1]], [[0, 0]], "Wordpiece id -1 is outside"),
        ([[2, 3]], [[0, 2]], r"Type id 2 is outside .* most 1 \[SEP\] token"),
        ([[2, 3]], [[-3, 0]], "Type id -3 is outside"),
    ],
)
def test_ids_outside_the_tables_are_named(ids, type_ids, message):
    with pytest.raises(ConfigurationError, match=message):
        check_ids_in_tables(fixture_bert().config, torch.tensor(ids), torch.tensor(type_ids))
