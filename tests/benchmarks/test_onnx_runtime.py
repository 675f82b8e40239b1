"""
The ONNX Runtime peers (`benchmarks.onnx_export`, `benchmarks.systems.onnx_runtime`) on a tiny
random Hugging Face BERT: the export's labels and logits are the PyTorch model's, the int8
export runs, and a failed export makes the systems unavailable with its reason.
"""

import json
import shutil

import numpy
import pytest
import torch

from benchmarks.onnx_export import export_hugging_face_to_onnx
from benchmarks.settings import LABELS
from benchmarks.systems.base import same_classifier
from benchmarks.systems.onnx_runtime import EXPORT_RECORD, OnnxRuntimeSystem
from tests.paths import FIXTURE_BERT

TEXTS = ["a short one", "the quick brown fox jumps over the lazy dog " * 3, "hello"]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer random BERT in Hugging Face layout with the fixture vocabulary."""
    from transformers import BertConfig, BertForSequenceClassification

    directory = tmp_path_factory.mktemp("work") / "model"
    vocab = FIXTURE_BERT / "vocab.txt"
    config = BertConfig(
        vocab_size=len(vocab.read_text(encoding="utf-8").splitlines()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(str(directory))
    shutil.copy(vocab, directory / "vocab.txt")
    record = export_hugging_face_to_onnx(directory, directory.parent / "onnx")
    (directory.parent / EXPORT_RECORD).write_text(json.dumps(record))
    return directory


def test_the_fp32_export_gives_the_pytorch_model_s_logits_and_labels(tiny_model_dir):
    from transformers import BertForSequenceClassification

    system = OnnxRuntimeSystem(tiny_model_dir)
    assert system.info()["fused_operators"].get("Attention") == 2
    model = BertForSequenceClassification.from_pretrained(str(tiny_model_dir), num_labels=2)
    same_classifier(model.classifier, len(LABELS), model.config.hidden_size)
    encoded = system.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model.eval()(**encoded).logits.numpy()
    feeds = {name: array.numpy() for name, array in encoded.items()}
    (logits,) = system.session.run(["logits"], feeds)
    numpy.testing.assert_allclose(logits, expected, atol=1e-4)
    assert system.predict(TEXTS) == [LABELS[i] for i in expected.argmax(axis=-1)]
    assert system.lengths(TEXTS) == encoded["attention_mask"].sum(dim=1).tolist()


def test_the_int8_export_predicts_labels(tiny_model_dir):
    system = OnnxRuntimeSystem(tiny_model_dir, int8=True)
    assert system.info()["model"] == "model_int8.onnx"
    assert all(label in LABELS for label in system.predict(TEXTS))


def test_without_an_export_the_system_says_why(tmp_path):
    (tmp_path / EXPORT_RECORD).write_text(json.dumps({"error": "ImportError: no onnx"}))
    with pytest.raises(RuntimeError, match="no ONNX export: ImportError: no onnx"):
        OnnxRuntimeSystem(tmp_path / "model")


def test_it_does_not_train(tmp_path):
    with pytest.raises(ValueError, match="inference only"):
        OnnxRuntimeSystem(tmp_path / "model", training=True)
