"""
The systems `benchmarks.speed_memory` measures, by the name its tables, JSON and worker logs use.

Each system is an adapter, a `benchmarks.systems.base.System` subclass in its own module of this
package. `SYSTEMS` names them without importing them: the parent process must not import torch
or the libraries under test (a child's `ru_maxrss` starts at its parent's peak), and each worker
imports only its own system's libraries, so that its peak RSS is that system's. Adding a system
is one adapter module and one `SystemEntry`.

A system whose name holds "int8" runs int8 inference. A system whose name starts with "bert_cls"
is one of bert_cls's own paths; the goals (`benchmarks.goals`) judge bert_cls's default paths
and say when another of its paths meets a goal that the default misses.
"""

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Tuple

from benchmarks.blas import AS_SHIPPED, BERT_CLS_SETTING, OWN_DEFAULT

if TYPE_CHECKING:
    from benchmarks.systems.base import System

BERT_CLS = "bert_cls"
BERT_CLS_INT8 = "bert_cls int8"
BERT_CLS_ONNX = "bert_cls ONNX"
BERT_CLS_ONNX_INT8 = "bert_cls ONNX int8"
HF = "HF transformers"
ALLENNLP = "AllenNLP basic_classifier"
# The same peers with bert_cls's BLAS setting, bert_cls with MKL as shipped (measured with
# --bert-cls-as-shipped), and ONNX Runtime on the Hugging Face model.
HF_FAST_BLAS = "HF transformers, bert_cls's BLAS"
ALLENNLP_FAST_BLAS = "AllenNLP basic_classifier, bert_cls's BLAS"
BERT_CLS_AS_SHIPPED = "bert_cls, MKL as shipped"
ORT_FP32 = "ORT optimized fp32"
ORT_INT8 = "ORT int8"


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
    blas : `str`, optional (default = `benchmarks.blas.OWN_DEFAULT`)
        The BLAS setting of its workers' environment (`benchmarks.blas.SETTINGS`).
    optional : `bool`, optional (default = `False`)
        Measured only when asked for (`--bert-cls-as-shipped`).
    """

    name: str
    module: str
    adapter: str
    options: Mapping[str, Any] = field(default_factory=dict)
    trains: bool = True
    peer: bool = False
    blas: str = OWN_DEFAULT
    optional: bool = False


SYSTEMS: Tuple[SystemEntry, ...] = (
    SystemEntry(BERT_CLS, "bert_for_classification", "BertClsSystem"),
    SystemEntry(
        BERT_CLS_INT8,
        "bert_for_classification",
        "BertClsSystem",
        options={"int8": True},
        trains=False,
    ),
    SystemEntry(
        BERT_CLS_AS_SHIPPED,
        "bert_for_classification",
        "BertClsSystem",
        blas=AS_SHIPPED,
        optional=True,
    ),
    SystemEntry(BERT_CLS_ONNX, "bert_cls_onnx_runtime", "BertClsOnnxRuntimeSystem", trains=False),
    SystemEntry(
        BERT_CLS_ONNX_INT8,
        "bert_cls_onnx_runtime",
        "BertClsOnnxRuntimeSystem",
        options={"int8": True},
        trains=False,
    ),
    SystemEntry(HF, "hugging_face", "HuggingFaceSystem", peer=True, blas=AS_SHIPPED),
    SystemEntry(
        HF_FAST_BLAS, "hugging_face", "HuggingFaceSystem", peer=True, blas=BERT_CLS_SETTING
    ),
    SystemEntry(ALLENNLP, "basic_classifier", "BasicClassifierSystem", peer=True, blas=AS_SHIPPED),
    SystemEntry(
        ALLENNLP_FAST_BLAS,
        "basic_classifier",
        "BasicClassifierSystem",
        peer=True,
        blas=BERT_CLS_SETTING,
    ),
    SystemEntry(ORT_FP32, "onnx_runtime", "OnnxRuntimeSystem", trains=False, peer=True),
    SystemEntry(
        ORT_INT8,
        "onnx_runtime",
        "OnnxRuntimeSystem",
        options={"int8": True},
        trains=False,
        peer=True,
    ),
)

# In this order in the tables and the JSON; the workers start and alternate in it. The optional
# systems are left out of these, and added by `inference_systems` / `training_systems`.
INFERENCE_SYSTEMS = tuple(entry.name for entry in SYSTEMS if not entry.optional)
TRAINING_SYSTEMS = tuple(entry.name for entry in SYSTEMS if entry.trains and not entry.optional)
PEERS = tuple(entry.name for entry in SYSTEMS if entry.peer)
FP32_PEERS = tuple(name for name in PEERS if "int8" not in name)  # the tables' references
ENTRIES = {entry.name: entry for entry in SYSTEMS}
# (with bert_cls's BLAS setting, with MKL as shipped): the same system measured both ways.
BLAS_PAIRS = (
    (BERT_CLS, BERT_CLS_AS_SHIPPED),
    (HF_FAST_BLAS, HF),
    (ALLENNLP_FAST_BLAS, ALLENNLP),
)


def inference_systems(with_optional: bool = False) -> Tuple[str, ...]:
    """The systems of the inference phase, in table order; `with_optional` adds the optional."""
    return tuple(entry.name for entry in SYSTEMS if with_optional or not entry.optional)


def training_systems(with_optional: bool = False) -> Tuple[str, ...]:
    """The systems of the training phase, in table order; `with_optional` adds the optional."""
    return tuple(
        entry.name for entry in SYSTEMS if entry.trains and (with_optional or not entry.optional)
    )


def training_peers_with_blas(setting: str) -> Tuple[str, ...]:
    """The peers that train, whose workers run with the BLAS `setting` (`benchmarks.blas`)."""
    return tuple(
        entry.name for entry in SYSTEMS if entry.peer and entry.trains and entry.blas == setting
    )


def bert_cls_paths(int8: bool) -> Tuple[str, ...]:
    """
    bert_cls's own systems of one precision (names starting with "bert_cls"; int8 when the name
    holds "int8"), its default path first: `BERT_CLS` or `BERT_CLS_INT8`.
    """
    default = BERT_CLS_INT8 if int8 else BERT_CLS
    others = [
        entry.name
        for entry in SYSTEMS
        if entry.name.startswith(BERT_CLS)
        and ("int8" in entry.name) == int8
        and entry.name != default
    ]
    return (default, *others)


def import_adapter(name: str) -> Callable[..., "System"]:
    """
    Imports the adapter module of the system called `name` (and so the libraries it measures),
    and returns a function that builds the system: `(model_dir, training) -> System`. Raises a
    `ValueError` naming the known systems if there is none of that name.
    """
    if name not in ENTRIES:
        raise ValueError(f"unknown system {name!r}; the systems are {', '.join(ENTRIES)}")
    entry = ENTRIES[name]
    adapter = getattr(importlib.import_module(f"{__name__}.{entry.module}"), entry.adapter)
    return lambda model_dir, training: adapter(model_dir, training=training, **entry.options)


def build_system(name: str, model_dir: Path, training: bool) -> "System":
    """
    Imports the adapter of the system called `name` and builds it on the model directory;
    raises a `ValueError` naming the known systems if there is none of that name.
    """
    return import_adapter(name)(model_dir, training)
