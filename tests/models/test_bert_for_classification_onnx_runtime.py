"""
`BertForClassification.use_onnx_runtime`: inference computes the logits with ONNX Runtime, the
same outputs as torch within 1e-4 (window pooling included); training and autograd still run
torch; the state dict is unchanged.
"""

import copy
import pickle
import random
from typing import Dict, List

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, Instance, Vocabulary
from allennlp.data.fields import LabelField, TextField
from allennlp.data.tokenizers import Token

import bert_cls  # noqa: F401
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.models import BertForClassification
from bert_cls.modules.fast_bert import quantize_int8
from bert_cls.modules.onnx_bert import OnnxClassifierSession
from tests import fixture_bert
from tests.fixture_bert import BERT, WORDS, labels_vocab

TOLERANCE = 1e-4


def instances(lengths: List[int], truncate: bool = True) -> List[Instance]:
    indexer = PretrainedBertIndexer(BERT, max_pieces=64, truncate_long_sequences=truncate)
    return [
        Instance(
            {
                "tokens": TextField(
                    [Token(w) for w in random.Random(i).choices(WORDS, k=n)], {"bert": indexer}
                ),
                "label": LabelField("pos" if i % 2 else "neg"),
            }
        )
        for i, n in enumerate(lengths)
    ]


def tensors(batch: List[Instance], vocab: Vocabulary) -> Dict:
    batch = Batch(batch)
    batch.index_instances(vocab)
    return batch.as_tensor_dict()


def model(**kwargs) -> BertForClassification:
    torch.manual_seed(0)
    return BertForClassification(labels_vocab(), fixture_bert.sharp_bert(0.5), **kwargs).eval()


@pytest.fixture
def session_calls(monkeypatch) -> List[int]:
    """The batch size of each call of an `OnnxClassifierSession`."""
    calls: List[int] = []
    original = OnnxClassifierSession.__call__

    def counted(self, input_ids, token_type_ids, mask):
        calls.append(input_ids.size(0))
        return original(self, input_ids, token_type_ids, mask)

    monkeypatch.setattr(OnnxClassifierSession, "__call__", counted)
    return calls


# One word, full 64-wordpiece rows (62 words, and longer ones truncated), and padding.
LENGTHS = [1, 62, 5, 90, 17, 2, 40]


def test_inference_through_onnx_runtime_gives_the_torch_outputs(session_calls):
    torch_model, onnx_model = model(), model()
    onnx_model.use_onnx_runtime()
    assert isinstance(onnx_model.onnx_session, OnnxClassifierSession)
    assert torch_model.onnx_session is None
    # ONNX Runtime computes padded positions: the predictor length-sorts batches for it.
    assert torch_model.padding_free_inference and not onnx_model.padding_free_inference
    batch = tensors(instances(LENGTHS), torch_model.vocab)
    with torch.inference_mode():
        expected = torch_model(**batch)
        outputs = onnx_model(**batch)
    assert session_calls == [len(LENGTHS)]
    for key in ("logits", "probs"):
        assert torch.allclose(outputs[key], expected[key], atol=TOLERANCE, rtol=0), key
    assert torch.allclose(outputs["loss"], expected["loss"], atol=TOLERANCE)
    assert expected["logits"].std(dim=0).min() > 0.01  # rows differ: not a constant compared


def test_training_and_autograd_run_torch(session_calls):
    onnx_model = model()
    onnx_model.use_onnx_runtime()
    batch = tensors(instances([4, 9]), onnx_model.vocab)
    onnx_model.train()
    onnx_model(**batch)["loss"].backward()
    onnx_model.eval()
    onnx_model(**batch)  # autograd on
    assert session_calls == []
    with torch.no_grad():
        onnx_model(**batch)
    assert session_calls == [2]


def test_window_pooling_runs_each_window_through_onnx_runtime(session_calls):
    torch_model, onnx_model = model(window_pooling="mean"), model(window_pooling="mean")
    onnx_model.use_onnx_runtime()
    # 150 and 70 words: several 64-wordpiece windows each.
    batch = tensors(instances([150, 3, 70], truncate=False), torch_model.vocab)
    with torch.inference_mode():
        expected = torch_model(**batch)["logits"]
        logits = onnx_model(**batch)["logits"]
    assert session_calls and session_calls[0] > 3  # the windows, not the three rows
    assert torch.allclose(logits, expected, atol=TOLERANCE, rtol=0)


def test_state_dict_unchanged_and_copies_share_the_session():
    plain, onnx_model = model(), model()
    onnx_model.use_onnx_runtime()
    assert onnx_model.state_dict().keys() == plain.state_dict().keys()
    copied = copy.deepcopy(onnx_model)
    assert copied.onnx_session is onnx_model.onnx_session
    with pytest.raises(TypeError, match="use_onnx_runtime again"):
        pickle.dumps(onnx_model)


def test_a_model_quantized_in_torch_is_refused():
    quantized = quantize_int8(model())
    with pytest.raises(ConfigurationError, match="quantized to int8 in torch"):
        quantized.use_onnx_runtime()
