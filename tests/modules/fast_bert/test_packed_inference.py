"""
`packed_pooled_output`: BERT's pooled output for inference with the per-position steps on the
real positions only, equal to the plain forward's.
"""

import copy

import pytest
import torch

from bert_cls.modules.fast_bert import fuse_bert_model, packed_pooled_output, quantize_int8
from tests.fixture_bert import fixture_bert
from tests.modules.berts import bert_inputs, plain_forward, random_bert

ATOL = 1e-5

# Batches of row lengths, in wordpieces; 40 is the random BERT's max_position_embeddings.
BATCHES = {
    "cls_only_row": [1, 9, 4],
    "cls_sep_row": [2, 17],
    "only_one_token_rows": [1, 1],
    "max_length_rows": [40, 40, 3],
    "mixed_lengths": [5, 40, 1, 33, 2, 12],
    "no_padding": [10, 10, 10],
    "single_row": [7],
}


def assert_matches_the_plain_forward(bert, ids, type_ids, mask, cls_only_last_layer: bool = True):
    with torch.inference_mode():
        packed = packed_pooled_output(bert, ids, type_ids, mask, cls_only_last_layer)
        _, plain = plain_forward(bert, ids, type_ids, mask)
    assert packed.shape == plain.shape
    assert torch.allclose(packed, plain, atol=ATOL)


@pytest.mark.parametrize("cls_only", [True, False], ids=["cls_only_last_layer", "full_last_layer"])
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "plain"])
@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_packed_equals_the_plain_forward(batch, fused, cls_only):
    bert = random_bert().eval()
    if fused:
        fuse_bert_model(bert)
    ids, type_ids, mask = bert_inputs(bert, BATCHES[batch])
    assert_matches_the_plain_forward(bert, ids, type_ids, mask, cls_only)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("hidden_act", ["gelu", "relu", "swish"])
def test_packed_with_other_activations_and_depths(hidden_act, layers):
    bert = fuse_bert_model(random_bert(hidden_act=hidden_act, layers=layers)).eval()
    ids, type_ids, mask = bert_inputs(bert, [1, 40, 17, 2], seed=3)
    assert_matches_the_plain_forward(bert, ids, type_ids, mask)


def test_packed_on_the_fixture_bert_and_under_no_grad():
    bert = fuse_bert_model(fixture_bert()).eval()
    ids, type_ids, mask = bert_inputs(bert, [64, 3, 30])
    with torch.no_grad():
        packed = packed_pooled_output(bert, ids, type_ids, mask)
        assert torch.allclose(packed, plain_forward(bert, ids, type_ids, mask)[1], atol=ATOL)


def test_masks_with_holes_and_trailing_padding_columns():
    bert = fuse_bert_model(random_bert()).eval()
    ids, type_ids, mask = bert_inputs(bert, [12, 20, 6])
    mask[1, 3:7] = False  # a hole inside a row
    padding = torch.zeros(3, 8, dtype=torch.long)
    ids, type_ids = torch.cat([ids, padding], dim=1), torch.cat([type_ids, padding], dim=1)
    mask = torch.cat([mask, padding.bool()], dim=1)  # columns with no real position at all
    assert_matches_the_plain_forward(bert, ids, type_ids, mask)


def test_pad_positions_do_not_matter():
    # Whatever sits at masked positions (ids, type ids) leaves the output unchanged, as it must.
    bert = fuse_bert_model(random_bert()).eval()
    ids, type_ids, mask = bert_inputs(bert, [12, 30, 5])
    noisy_ids, noisy_types = ids.clone(), type_ids.clone()
    noisy_ids[~mask] = 7
    noisy_types[~mask] = 1
    with torch.inference_mode():
        clean = packed_pooled_output(bert, ids, type_ids, mask)
        noisy = packed_pooled_output(bert, noisy_ids, noisy_types, mask)
    assert torch.allclose(clean, noisy, atol=ATOL)


def test_int8_quantized_layers_run_packed_too():
    # quantize_int8 works on a model that holds BERT; any module with a `bert_model` will do.
    holder = torch.nn.Module()
    holder.bert_model = fuse_bert_model(random_bert()).eval()
    float_bert = copy.deepcopy(holder.bert_model)
    quantize_int8(holder)
    ids, type_ids, mask = bert_inputs(float_bert, [3, 40, 11])
    with torch.inference_mode():
        packed = packed_pooled_output(holder.bert_model, ids, type_ids, mask)
        plain = plain_forward(holder.bert_model, ids, type_ids, mask)[1]
        fp32 = plain_forward(float_bert, ids, type_ids, mask)[1]
    # Dynamic quantization scales each Linear input by its own range, and the plain forward's
    # inputs hold pad rows too: packed and plain int8 agree to int8 precision, not to float's.
    assert torch.allclose(packed, plain, atol=0.1)
    assert not torch.allclose(packed, fp32, atol=1e-6)  # int8 really ran
    assert torch.allclose(packed, fp32, atol=0.1)


def test_a_masked_first_position_is_refused():
    bert = random_bert().eval()
    ids, type_ids, mask = bert_inputs(bert, [5, 6])
    mask[1, 0] = False
    with pytest.raises(ValueError, match="first position"):
        packed_pooled_output(bert, ids, type_ids, mask)
