"""
The `bert_for_classification` predictor's `onnx_runtime` switch: the same predictions as torch
(within 1e-4), in the same length-sorted sub-batches, with error records in place; with
`quantize_int8`, ONNX Runtime quantizes its graph and the torch model stays fp32.
"""

import copy
import random
from typing import List

import pytest
import torch
from allennlp.common.checks import ConfigurationError

import bert_cls  # noqa: F401
from bert_cls.modules.fast_bert import is_quantized_int8
from bert_cls.modules.onnx_bert import OnnxClassifierSession
from bert_cls.predictors import BertForClassificationPredictor
from tests.fixture_bert import WORDS

TOLERANCE = 1e-4


def inputs() -> List[dict]:
    # One word to longer than max_pieces (truncated), in no order.
    lengths = [3, 60, 1, 12, 7, 90, 2, 25, 1, 40]
    return [
        {"text": " ".join(random.Random(i).choices(WORDS, k=n)), "id": f"i{i}"}
        for i, n in enumerate(lengths)
    ]


@pytest.fixture(scope="module")
def torch_predictor(trained_model, fixture_reader) -> BertForClassificationPredictor:
    return BertForClassificationPredictor(copy.deepcopy(trained_model), fixture_reader)


@pytest.fixture(scope="module")
def onnx_predictor(trained_model, fixture_reader) -> BertForClassificationPredictor:
    return BertForClassificationPredictor(
        copy.deepcopy(trained_model), fixture_reader, onnx_runtime=True
    )


def test_onnx_runtime_predicts_as_torch_in_sorted_sub_batches(
    torch_predictor, onnx_predictor, monkeypatch
):
    batch_sizes: List[int] = []
    original = OnnxClassifierSession.__call__

    def counted(self, *tensors):
        batch_sizes.append(tensors[0].size(0))
        return original(self, *tensors)

    monkeypatch.setattr(OnnxClassifierSession, "__call__", counted)
    expected = torch_predictor.predict_batch_json(inputs())
    outputs = onnx_predictor.predict_batch_json(inputs())
    # Length-sorted sub-batches, each one ONNX Runtime run.
    assert 1 < len(batch_sizes) < len(inputs()) and sum(batch_sizes) == len(inputs())
    assert [output["id"] for output in outputs] == [one["id"] for one in inputs()]
    for output, reference in zip(outputs, expected):
        assert output["label"] == reference["label"]
        assert output["logits"] == pytest.approx(reference["logits"], abs=TOLERANCE)
        assert output["label_probs"] == pytest.approx(reference["label_probs"], abs=TOLERANCE)
    single = onnx_predictor.predict("a very good film")
    assert single["probs"] == pytest.approx(
        torch_predictor.predict("a very good film")["probs"], abs=TOLERANCE
    )
    assert not torch.is_inference_mode_enabled()


def test_bad_lines_get_their_error_records_in_place(onnx_predictor):
    lines = ['{"text": "a good film"}', '{"text": 42}', "not json", '{"sentence": "dull"}']
    outputs = onnx_predictor.predict_batch_json([onnx_predictor.load_line(line) for line in lines])
    assert [("error" in output) for output in outputs] == [False, True, True, False]
    assert "'text' must be a string" in outputs[1]["error"]


def test_int8_is_done_by_onnx_runtime_and_the_torch_model_stays_fp32(
    trained_model, fixture_reader, onnx_predictor
):
    model = copy.deepcopy(trained_model)
    predictor = BertForClassificationPredictor(
        model, fixture_reader, quantize_int8=True, onnx_runtime=True, onnx_runtime_threads=1
    )
    assert not is_quantized_int8(model)
    assert model.onnx_session is not None and model.onnx_session.threads == 1
    outputs = predictor.predict_batch_json(inputs())
    fp32 = onnx_predictor.predict_batch_json(inputs())
    for output in outputs:
        assert output["label"] in {"pos", "neg"}
        assert sum(output["probs"]) == pytest.approx(1.0)
    # Quantized: the logits moved.
    assert any(
        output["logits"] != pytest.approx(reference["logits"], abs=1e-6)
        for output, reference in zip(outputs, fp32)
    )


def test_a_bad_thread_count_is_refused_before_exporting(trained_model, fixture_reader):
    with pytest.raises(ConfigurationError, match="onnx_runtime_threads.*got 0"):
        BertForClassificationPredictor(
            copy.deepcopy(trained_model), fixture_reader, onnx_runtime=True, onnx_runtime_threads=0
        )
