"""`cls_pooled_output`: BERT's pooled output with the last layer at [CLS] alone."""

import copy

import pytest
import torch

from bert_cls.modules.fast_bert import cls_pooled_output, fuse_bert_model
from tests.modules.berts import bert_inputs, plain_forward, random_bert

ATOL = 1e-5


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "plain"])
def test_cls_pooled_output_equals_the_plain_pooled_output_and_its_gradients(fused, layers):
    plain = random_bert(layers=layers).eval()  # eval: no dropout, so both compute the same
    bert = fuse_bert_model(copy.deepcopy(plain)) if fused else copy.deepcopy(plain)
    ids, type_ids, mask = bert_inputs(plain, [1, 40, 17, 2, 40])
    expected = plain_forward(plain, ids, type_ids, mask)[1]
    pooled = cls_pooled_output(bert, ids, type_ids, mask)
    assert torch.allclose(pooled, expected, atol=ATOL)
    weights = torch.randn(pooled.shape, generator=torch.Generator().manual_seed(1))
    (expected * weights).sum().backward()
    (pooled * weights).sum().backward()
    plain_params = dict(plain.named_parameters())
    for name, param in bert.named_parameters():
        assert torch.allclose(param.grad, plain_params[name].grad, atol=ATOL), name
    assert plain.embeddings.word_embeddings.weight.grad.abs().sum() > 0


def test_cls_pooled_output_ignores_what_the_pooler_does_not_read():
    # Changing a non-[CLS] position's state changes the pooled output only through attention.
    bert = fuse_bert_model(random_bert()).eval()
    ids, type_ids, mask = bert_inputs(bert, [12, 12])
    changed = ids.clone()
    changed[:, 5] = (changed[:, 5] + 1) % bert.config.vocab_size
    with torch.no_grad():
        before = cls_pooled_output(bert, ids, type_ids, mask)
        after = cls_pooled_output(bert, changed, type_ids, mask)
        assert not torch.allclose(before, after, atol=1e-4)
        assert torch.allclose(after, plain_forward(bert, changed, type_ids, mask)[1], atol=ATOL)
