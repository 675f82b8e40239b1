"""
The `bert_for_classification` predictor's speed features: length-sorted sub-batches under
`torch.inference_mode()`, and the int8 switch (`quantize_int8`).
"""

import copy
import json
import random
from typing import List

import pytest
import torch

import bert_cls  # noqa: F401
from bert_cls.models import BertForClassification
from bert_cls.modules.fast_bert import is_quantized_int8
from bert_cls.predictors import BadPredictionInput, BertForClassificationPredictor
from tests.cli import allennlp, read_jsonl, train
from tests.fixture_bert import ENCODER_LINEARS as FIXTURE_ENCODER_LINEARS
from tests.paths import FIXTURES_ROOT

DATA = FIXTURES_ROOT / "data"
WORDS = "the acting was great and the plot was fun I love this movie a dull boring bad film".split()


def fixture_texts() -> List[str]:
    texts = [
        json.loads(line)["text"]
        for name in ("train", "dev")
        for line in open(DATA / f"{name}.jsonl")
    ]
    for line in open(DATA / "predict.jsonl"):
        one = json.loads(line)
        texts.append(one.get("sentence", one.get("text")))
    return texts


def text_of(num_words: int, seed: int) -> str:
    return " ".join(random.Random(seed).choices(WORDS, k=num_words))


@pytest.fixture
def predictor(trained_model, fixture_reader) -> BertForClassificationPredictor:
    return BertForClassificationPredictor(copy.deepcopy(trained_model), fixture_reader)


def mixed_inputs() -> List[dict]:
    # Lengths from one word to longer than max_pieces (truncated), in no order.
    lengths = [3, 60, 1, 12, 7, 90, 2, 25, 1, 40, 12, 5]
    return [{"text": text_of(n, seed=i), "id": f"i{i}"} for i, n in enumerate(lengths)]


class ForwardSpy:
    """Records each model batch the predictor runs: its wordpiece counts and the autograd mode."""

    def __init__(self, model: BertForClassification):
        self.batches: List[List[int]] = []
        self.inference_mode: List[bool] = []
        self._model = model
        forward = model.forward

        def spy(tokens, label=None):
            self.batches.append(tokens["bert"]["wordpiece_mask"].sum(dim=1).tolist())
            self.inference_mode.append(torch.is_inference_mode_enabled())
            return forward(tokens, label)

        model.forward = spy  # AllenNLP calls the model with keyword arguments: no pre-hook

    def remove(self):
        del self._model.forward


# ----------------------------------------------------------------------------------------------
# Batches: sorted sub-batches, original order, same outputs as one at a time


def test_batch_outputs_keep_the_input_order_and_equal_one_at_a_time(predictor):
    inputs = mixed_inputs()
    spy = ForwardSpy(predictor._model)
    batch = predictor.predict_batch_json(inputs)
    spy.remove()
    assert [output["id"] for output in batch] == [one["id"] for one in inputs]
    # Run as length-sorted sub-batches, all of them together the batch given.
    assert 1 < len(spy.batches) < len(inputs)
    assert sum(len(sub) for sub in spy.batches) == len(inputs)
    flat = [length for sub in spy.batches for length in sub]
    assert flat == sorted(flat)
    assert max(flat) == 64 and min(flat) == 3  # truncated to max_pieces; one word and its markers

    for one_input, output in zip(inputs, batch):
        single = predictor.predict_json(one_input)
        assert output["label"] == single["label"]
        assert output["probs"] == pytest.approx(single["probs"], abs=1e-5)
        assert output["logits"] == pytest.approx(single["logits"], abs=1e-5)
        assert output["label_probs"] == pytest.approx(single["label_probs"], abs=1e-5)
    assert len({tuple(output["probs"]) for output in batch}) > 1


def test_predict_batch_instance_keeps_the_order(predictor, fixture_reader):
    instances = [fixture_reader.text_to_instance(one["text"]) for one in mixed_inputs()]
    batch = predictor.predict_batch_instance(instances)
    fresh = [fixture_reader.text_to_instance(one["text"]) for one in mixed_inputs()]
    for instance, output in zip(fresh, batch):
        assert output["probs"] == pytest.approx(
            predictor.predict_instance(instance)["probs"], abs=1e-5
        )


def test_a_batch_of_equal_lengths_runs_as_one_model_batch(predictor):
    inputs = [{"text": text_of(6, seed=i)} for i in range(8)]
    spy = ForwardSpy(predictor._model)
    predictor.predict_batch_json(inputs)
    spy.remove()
    assert spy.batches == [[8] * 8]


def plain_layer_runs(model) -> List[int]:
    """A list that grows by one each time BERT's first layer runs as a module (the plain path)."""
    runs: List[int] = []
    model.bert_model.encoder.layer[0].register_forward_hook(lambda *args: runs.append(1))
    return runs


def test_predictions_run_under_inference_mode_on_the_padding_free_path(predictor):
    spy = ForwardSpy(predictor._model)
    plain_runs = plain_layer_runs(predictor._model)
    predictor.predict_json({"text": "a very good film"})
    predictor.predict("a dull plot")
    predictor.predict_batch_json(mixed_inputs())
    spy.remove()
    assert spy.inference_mode and all(spy.inference_mode)
    assert plain_runs == []
    assert not torch.is_inference_mode_enabled()


def test_outputs_are_plain_python(predictor):
    for output in [
        predictor.predict_json({"text": "I love it", "id": 1})
    ] + predictor.predict_batch_json(mixed_inputs()):
        assert json.loads(json.dumps(output)) == output
        assert isinstance(output["label"], str)
        assert all(type(p) is float for p in output["probs"] + output["logits"])
        assert set(output) >= {"logits", "probs", "label", "label_probs"}


def test_bad_lines_keep_their_place_in_a_sorted_batch(predictor):
    lines = [
        json.dumps({"text": text_of(30, seed=1), "id": "long"}),
        '{"text": ',
        json.dumps({"text": "fun", "id": "short"}),
        json.dumps({"text": "   ", "id": "blank"}),
        json.dumps({"sentence": text_of(8, seed=2), "id": "middle"}),
        json.dumps({"text": 5}),
    ]
    outputs = predictor.predict_batch_json([predictor.load_line(line) for line in lines])
    assert [output.get("id") for output in outputs] == [
        "long",
        None,
        "short",
        "blank",
        "middle",
        None,
    ]
    assert [("error" in output) for output in outputs] == [False, True, False, True, False, True]
    assert [output.get("input_line") for output in outputs if "error" in output] == [2, 4, 6]
    alone = predictor.predict_json({"text": text_of(30, seed=1)})
    assert outputs[0]["probs"] == pytest.approx(alone["probs"], abs=1e-5)
    with pytest.raises(BadPredictionInput):
        predictor.predict_batch_json([{"text": "good"}, {"text": ""}])


# ----------------------------------------------------------------------------------------------
# int8


def test_the_predictor_does_not_quantize_by_default(predictor):
    assert not is_quantized_int8(predictor._model)


def test_int8_predictor_agrees_with_fp32_on_the_fixture_data(trained_model, fixture_reader):
    fp32 = BertForClassificationPredictor(copy.deepcopy(trained_model), fixture_reader)
    int8 = BertForClassificationPredictor(
        copy.deepcopy(trained_model), fixture_reader, quantize_int8=True
    )
    assert is_quantized_int8(int8._model)
    assert not int8._model.training
    inputs = [{"text": text} for text in fixture_texts()]
    expected = fp32.predict_batch_json(inputs)
    spy = ForwardSpy(int8._model)
    plain_runs = plain_layer_runs(int8._model)
    outputs = int8.predict_batch_json(inputs) + [int8.predict_json(inputs[0])]
    spy.remove()
    assert all(spy.inference_mode)
    assert plain_runs == []  # int8 takes the padding-free path too
    # The trained fixture model tells the texts apart, so agreeing means something.
    assert {output["label"] for output in expected} == {"pos", "neg"}
    for one, output in zip(expected + expected[:1], outputs):
        assert output["label"] == one["label"]
        assert output["probs"] == pytest.approx(one["probs"], abs=0.05)
    assert any(output["probs"] != one["probs"] for one, output in zip(expected, outputs))


@pytest.mark.slow
def test_int8_from_the_command_line(tmp_path):
    train(tmp_path / "run")
    archive = tmp_path / "run" / "model.tar.gz"
    inputs = tmp_path / "input.jsonl"
    mixed = mixed_inputs()
    inputs.write_text("".join(json.dumps(one) + "\n" for one in mixed))
    outputs = {}
    for name, extra in (
        ("fp32", []),
        ("int8", ["--predictor-args", json.dumps({"quantize_int8": True})]),
    ):
        output_file = tmp_path / f"{name}.jsonl"
        result = allennlp(
            [
                "predict",
                str(archive),
                str(inputs),
                "--output-file",
                str(output_file),
                "--silent",
                "--batch-size",
                "5",
                *extra,
            ],
            text=True,
        )
        outputs[name] = read_jsonl(output_file)
        quantized_log = (
            f"Quantized {FIXTURE_ENCODER_LINEARS} Linear layers to int8" in result.stderr
        )
        assert quantized_log == (name == "int8"), result.stderr[-2000:]
    for name in ("fp32", "int8"):
        assert [output["id"] for output in outputs[name]] == [one["id"] for one in mixed]
    for fp32, int8 in zip(outputs["fp32"], outputs["int8"]):
        assert int8["label"] == fp32["label"]
        assert int8["probs"] == pytest.approx(fp32["probs"], abs=0.05)
    assert any(
        int8["probs"] != fp32["probs"] for fp32, int8 in zip(outputs["fp32"], outputs["int8"])
    )
