"""
ONNX on the command line, in subprocesses, on an archive of the fixture config trained here:
`bert-cls-export-onnx`, then the README's snippet on its files in a Python that cannot import
torch, AllenNLP or bert_cls; and `allennlp predict` with the predictor's `onnx_runtime` switch.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from tests.cli import allennlp, read_jsonl, train
from tests.paths import PROJECT_ROOT

EXPORT_SCRIPT = str(Path(sys.executable).parent / "bert-cls-export-onnx")
# The README snippet's texts and its export directory, which the test replaces.
SNIPPET_TEXTS = ["a very good film", "I hate this boring movie."]
SNIPPET_EXPORT_DIR = 'export_dir = "runs/example-onnx"'
BLOCKED = ("torch", "allennlp", "bert_cls", "pytorch_pretrained_bert")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    serialization_dir = tmp_path_factory.mktemp("onnx_cli") / "run"
    train(serialization_dir)
    return serialization_dir


def readme_snippet() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.S)
        if "onnxruntime.InferenceSession" in block
    ]
    assert len(blocks) == 1
    return blocks[0]


def run_snippet(export_dir: Path) -> List[str]:
    """The README snippet on `export_dir`, with torch, AllenNLP and bert_cls unimportable."""
    snippet = readme_snippet()
    assert SNIPPET_EXPORT_DIR in snippet and json.dumps(SNIPPET_TEXTS) in snippet
    code = (
        "import sys\n"
        f"sys.modules.update(dict.fromkeys({BLOCKED!r}))\n"
        + snippet.replace(SNIPPET_EXPORT_DIR, f"export_dir = {str(export_dir)!r}")
        + "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{BLOCKED!r} and sys.modules[m] is not None)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd="/", capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1].replace("'", '"'))


def export(run: Path, destination: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EXPORT_SCRIPT, str(run / "model.tar.gz"), str(destination), *options],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def predict(run: Path, tmp_path: Path, name: str, predictor_args=None) -> List[dict]:
    inputs = tmp_path / "snippet.jsonl"
    inputs.write_text("".join(json.dumps({"sentence": text}) + "\n" for text in SNIPPET_TEXTS))
    output = tmp_path / f"{name}.jsonl"
    args = ["predict", str(run / "model.tar.gz"), str(inputs), "--output-file", str(output)]
    if predictor_args is not None:
        args += ["--predictor-args", json.dumps(predictor_args)]
    allennlp(args + ["--silent"])
    return read_jsonl(output)


def test_export_command_and_the_readme_snippet_without_torch(run, tmp_path):
    destination = tmp_path / "onnx"
    result = export(run, destination)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Wrote {destination} (model.onnx, vocab.txt, classifier_config.json): fp32" in (
        result.stdout
    )
    labels = run_snippet(destination)
    assert labels == [prediction["label"] for prediction in predict(run, tmp_path, "torch")]


def test_int8_export_command_and_the_readme_snippet(run, tmp_path):
    destination = tmp_path / "onnx-int8"
    result = export(run, destination, "--int8", "--opset", "13")
    assert result.returncode == 0, result.stderr[-3000:]
    assert ": int8 (ONNX Runtime dynamic quantization)" in result.stdout
    config = json.loads((destination / "classifier_config.json").read_text())
    assert config["int8"] is True and config["opset"] == 13
    assert set(run_snippet(destination)) <= set(config["labels"])


def test_export_command_refuses_an_existing_directory(run, tmp_path):
    (tmp_path / "taken").mkdir()
    result = export(run, tmp_path / "taken")
    assert result.returncode == 1
    assert "error: Destination" in result.stderr and "--force" in result.stderr


def test_allennlp_predict_with_onnx_runtime_matches_torch(run, tmp_path):
    expected = predict(run, tmp_path, "torch")
    outputs = predict(run, tmp_path, "onnx", {"onnx_runtime": True})
    for output, reference in zip(outputs, expected):
        assert output["label"] == reference["label"]
        assert output["logits"] == pytest.approx(reference["logits"], abs=1e-4)
    int8 = predict(run, tmp_path, "onnx_int8", {"onnx_runtime": True, "quantize_int8": True})
    assert len(int8) == len(SNIPPET_TEXTS) and all("label" in one for one in int8)
