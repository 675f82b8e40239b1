"""
The `bert_for_classification` predictor's speed features: length-sorted sub-batches under
`torch.inference_mode()`, and int8 quantization (`quantize_int8`).
"""
import copy
import json
import random
from typing import List

import pytest
import torch
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.data.data_loaders import SimpleDataLoader
from allennlp.training import GradientDescentTrainer

import bert_cls  # noqa: F401
from bert_cls.models import BertForClassification
from bert_cls.modules.quantization import is_quantized_int8, quantize_int8
from bert_cls.predictors import BertForClassificationPredictor
from bert_cls.predictors.bert_for_classification import (
    MAX_PADDING_FRACTION,
    BadPredictionInput,
    length_sorted_batches,
)
from tests.cli import allennlp, read_jsonl, train
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT, FIXTURE_BERT

DATA = FIXTURES_ROOT / "data"
WORDS = "the acting was great and the plot was fun I love this movie a dull boring bad film".split()
# Linear layers of the fixture model: 6 in each of BERT's 2 layers, the pooler, the classifier.
FIXTURE_LINEARS = 14
FIXTURE_ENCODER_LINEARS = 12


def fixture_texts() -> List[str]:
    texts = [json.loads(line)["text"] for name in ("train", "dev") for line in open(DATA / f"{name}.jsonl")]
    for line in open(DATA / "predict.jsonl"):
        one = json.loads(line)
        texts.append(one.get("sentence", one.get("text")))
    return texts


def text_of(num_words: int, seed: int) -> str:
    return " ".join(random.Random(seed).choices(WORDS, k=num_words))


@pytest.fixture(scope="module")
def reader() -> DatasetReader:
    params = Params.from_file(str(CONFIGS_ROOT / "bert_for_classification.jsonnet"))
    return DatasetReader.from_params(params["dataset_reader"])


@pytest.fixture(scope="module")
def trained_model(reader) -> BertForClassification:
    """The fixture model trained until it tells the fixture texts apart (a fraction of a second)."""
    instances = list(reader.read(str(DATA / "train.jsonl")))
    vocab = Vocabulary.from_instances(instances)
    torch.manual_seed(0)
    random.seed(0)
    model = BertForClassification(vocab, str(FIXTURE_BERT))
    loader = SimpleDataLoader(instances, batch_size=5, shuffle=True, vocab=vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    GradientDescentTrainer(model, optimizer, loader, num_epochs=15).train()
    return model.eval()


@pytest.fixture
def predictor(trained_model, reader) -> BertForClassificationPredictor:
    return BertForClassificationPredictor(copy.deepcopy(trained_model), reader)


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
# length_sorted_batches


def test_length_sorted_batches_cover_every_position_once_in_length_order():
    lengths = [random.Random(i).randint(1, 200) for i in range(300)]
    batches = length_sorted_batches(lengths)
    flat = [position for batch in batches for position in batch]
    assert flat == sorted(range(len(lengths)), key=lambda i: lengths[i])
    for batch in batches:
        padded = len(batch) * max(lengths[i] for i in batch)
        assert padded - sum(lengths[i] for i in batch) <= MAX_PADDING_FRACTION * padded
    assert 1 < len(batches) < len(lengths)


def test_length_sorted_batches_keep_a_batch_of_similar_lengths_whole():
    assert length_sorted_batches([7] * 32) == [list(range(32))]
    assert length_sorted_batches([10, 9, 11, 10, 12]) == [[1, 0, 3, 2, 4]]
    assert length_sorted_batches([5, 60, 5, 5]) == [[0, 2, 3], [1]]
    assert length_sorted_batches([]) == []
    assert length_sorted_batches([4]) == [[0]]


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


def test_predict_batch_instance_keeps_the_order(predictor, reader):
    instances = [reader.text_to_instance(one["text"]) for one in mixed_inputs()]
    batch = predictor.predict_batch_instance(instances)
    fresh = [reader.text_to_instance(one["text"]) for one in mixed_inputs()]
    for instance, output in zip(fresh, batch):
        assert output["probs"] == pytest.approx(predictor.predict_instance(instance)["probs"], abs=1e-5)


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
    for output in [predictor.predict_json({"text": "I love it", "id": 1})] + predictor.predict_batch_json(
        mixed_inputs()
    ):
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
    assert [output.get("id") for output in outputs] == ["long", None, "short", "blank", "middle", None]
    assert [("error" in output) for output in outputs] == [False, True, False, True, False, True]
    assert [output.get("input_line") for output in outputs if "error" in output] == [2, 4, 6]
    alone = predictor.predict_json({"text": text_of(30, seed=1)})
    assert outputs[0]["probs"] == pytest.approx(alone["probs"], abs=1e-5)
    with pytest.raises(BadPredictionInput):
        predictor.predict_batch_json([{"text": "good"}, {"text": ""}])


# ----------------------------------------------------------------------------------------------
# int8


def test_quantize_int8_quantizes_the_encoder_linears_in_place_and_sets_eval_mode(trained_model):
    model = copy.deepcopy(trained_model).train()
    pooler, classifier = model.bert_model.pooler.dense, model._classification_layer
    assert not is_quantized_int8(model)
    assert quantize_int8(model) is model
    assert not model.training and not any(module.training for module in model.modules())
    quantized = {
        name: m for name, m in model.named_modules() if isinstance(m, torch.nn.quantized.dynamic.Linear)
    }
    assert len(quantized) == FIXTURE_ENCODER_LINEARS
    assert all(name.startswith("bert_model.encoder.layer.") for name in quantized)
    # int8 weights with one scale per output channel.
    assert all(m.weight().dtype == torch.qint8 for m in quantized.values())
    assert all(m.weight().qscheme() == torch.per_channel_affine for m in quantized.values())
    # The pooler and the classification layer stay float32, the very same modules.
    floats = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert floats == {"bert_model.pooler.dense": pooler, "_classification_layer": classifier}
    assert all(m.weight.dtype == torch.float32 for m in floats.values())
    assert is_quantized_int8(model)


def test_quantize_int8_can_quantize_every_linear(trained_model):
    model = quantize_int8(copy.deepcopy(trained_model), keep_float=())
    quantized = [m for m in model.modules() if isinstance(m, torch.nn.quantized.dynamic.Linear)]
    assert len(quantized) == FIXTURE_LINEARS
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())
    assert is_quantized_int8(model) and is_quantized_int8(model, keep_float=())


def test_a_float_encoder_linear_is_not_int8(trained_model):
    model = quantize_int8(copy.deepcopy(trained_model))
    model.bert_model.encoder.layer[0].output.dense = torch.nn.Linear(4, 4)
    assert not is_quantized_int8(model)


def test_the_predictor_does_not_quantize_by_default(predictor):
    assert not is_quantized_int8(predictor._model)


def test_int8_predictor_agrees_with_fp32_on_the_fixture_data(trained_model, reader):
    fp32 = BertForClassificationPredictor(copy.deepcopy(trained_model), reader)
    int8 = BertForClassificationPredictor(copy.deepcopy(trained_model), reader, quantize_int8=True)
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
    for name, extra in (("fp32", []), ("int8", ["--predictor-args", json.dumps({"quantize_int8": True})])):
        output_file = tmp_path / f"{name}.jsonl"
        result = allennlp(
            ["predict", str(archive), str(inputs), "--output-file", str(output_file), "--silent",
             "--batch-size", "5", *extra],
            text=True,
        )
        outputs[name] = read_jsonl(output_file)
        quantized_log = f"Quantized {FIXTURE_ENCODER_LINEARS} Linear layers to int8" in result.stderr
        assert quantized_log == (name == "int8"), result.stderr[-2000:]
    for name in ("fp32", "int8"):
        assert [output["id"] for output in outputs[name]] == [one["id"] for one in mixed]
    for fp32, int8 in zip(outputs["fp32"], outputs["int8"]):
        assert int8["label"] == fp32["label"]
        assert int8["probs"] == pytest.approx(fp32["probs"], abs=0.05)
    assert any(int8["probs"] != fp32["probs"] for fp32, int8 in zip(outputs["fp32"], outputs["int8"]))
