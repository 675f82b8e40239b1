"""
The systems `benchmarks.speed_memory` measures, by the name its tables, JSON and worker logs use.

Each system is an adapter, a `benchmarks.systems.base.System` subclass in its own module of this
package. `SYSTEMS` names them without importing them: the parent process must not import torch
or the libraries under test (a child's `ru_maxrss` starts at its parent's peak), and each worker
imports only its own system's libraries, so that its peak RSS is that system's. Adding a system
is one adapter module and one `SystemEntry`.
"""

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Tuple

if TYPE_CHECKING:
    from benchmarks.systems.base import System

BERT_CLS = "bert_cls"
BERT_CLS_INT8 = "bert_cls int8"
BERT_CLS_ONNX = "bert_cls ONNX"
BERT_CLS_ONNX_INT8 = "bert_cls ONNX int8"
HF = "HF transformers"
ALLENNLP = "AllenNLP basic_classifier"


@dataclass(frozen=True)
class SystemEntry:
    """
    One measured system.

    # Parameters

    name : `str`
        As the tables, the JSON and the worker logs show it.
    module : `str`
        The module of this package that holds the adapter.
    adapter : `str`
        The `System` subclass in `module`, built as
        `adapter(model_dir, training=training, **options)`.
    options : `Mapping[str, Any]`, optional (default = `{}`)
        Keyword arguments of the adapter, for a variant of another entry's adapter.
    trains : `bool`, optional (default = `True`)
        Whether the training phase measures it too; every system is measured in inference.
    peer : `bool`, optional (default = `False`)
        Whether bert_cls is compared with it: ratios and goals use the best peer of a column.
    """

    name: str
    module: str
    adapter: str
    options: Mapping[str, Any] = field(default_factory=dict)
    trains: bool = True
    peer: bool = False


SYSTEMS: Tuple[SystemEntry, ...] = (
    SystemEntry(BERT_CLS, "bert_for_classification", "BertClsSystem"),
    SystemEntry(
        BERT_CLS_INT8,
        "bert_for_classification",
        "BertClsSystem",
        options={"int8": True},
        trains=False,
    ),
    SystemEntry(BERT_CLS_ONNX, "bert_cls_onnx_runtime", "BertClsOnnxRuntimeSystem", trains=False),
    SystemEntry(
        BERT_CLS_ONNX_INT8,
        "bert_cls_onnx_runtime",
        "BertClsOnnxRuntimeSystem",
        options={"int8": True},
        trains=False,
    ),
    SystemEntry(HF, "hugging_face", "HuggingFaceSystem", peer=True),
    SystemEntry(ALLENNLP, "basic_classifier", "BasicClassifierSystem", peer=True),
)

# In this order in the tables and the JSON; the workers start and alternate in it.
INFERENCE_SYSTEMS = tuple(entry.name for entry in SYSTEMS)
TRAINING_SYSTEMS = tuple(entry.name for entry in SYSTEMS if entry.trains)
PEERS = tuple(entry.name for entry in SYSTEMS if entry.peer)


def build_system(name: str, model_dir: Path, training: bool) -> "System":
    """
    Imports the adapter of the system called `name` and builds it on the model directory;
    raises a `ValueError` naming the known systems if there is none of that name.
    """
    entries = {entry.name: entry for entry in SYSTEMS}
    if name not in entries:
        raise ValueError(f"unknown system {name!r}; the systems are {', '.join(entries)}")
    entry = entries[name]
    module = importlib.import_module(f"{__name__}.{entry.module}")
    return getattr(module, entry.adapter)(model_dir, training=training, **entry.options)
