"""
`scripts/gpu_check`: on a machine without CUDA it says so and passes; its helpers (data subset,
packed and plain logits) on CPU, as it runs them on the GPU.
"""

import importlib.util
import json
import subprocess

import pytest
import torch

from tests.paths import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "gpu_check"


def gpu_check_module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT.with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="with CUDA the script runs every check")
def test_without_cuda_the_script_says_it_skipped_and_exits_0(tmp_path):
    result = subprocess.run(
        [str(SCRIPT), "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("no CUDA: skipped")
    assert not (tmp_path / "out").exists()  # nothing was run


def test_the_minilm_subset_holds_the_first_emails_of_each_split(tmp_path):
    paths = gpu_check_module().minilm_data(tmp_path, 30)
    train = [json.loads(line) for line in paths["train"].read_text().splitlines()]
    validation = paths["validation"].read_text().splitlines()
    assert len(train) == 30 and len(validation) == 10
    assert {"text", "label"} <= set(train[0])


def test_packed_and_plain_logits_agree_on_cpu(trained_model, fixture_reader):
    texts = ["a good film", "a bad film that went on and on and on", "fine"]
    gpu_check = gpu_check_module()
    packed = gpu_check.logits(trained_model, fixture_reader, texts, -1, packed=True)
    plain = gpu_check.logits(trained_model, fixture_reader, texts, -1, packed=False)
    assert packed.shape == (3, 2)
    assert float((packed - plain).abs().max()) <= gpu_check.LOGITS_ATOL
    # The model's own settings are left as they were.
    assert trained_model._padding_free_inference and trained_model._cls_only_last_layer
