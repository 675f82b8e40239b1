"""
`benchmarks.systems`: every registered system names an adapter that exists, and the tables'
order and peers.
"""

import importlib

import pytest

from benchmarks import systems
from benchmarks.systems.base import System


@pytest.mark.parametrize("entry", systems.SYSTEMS, ids=lambda entry: entry.name)
def test_every_entry_names_a_system_adapter(entry):
    module = importlib.import_module(f"benchmarks.systems.{entry.module}")
    adapter = getattr(module, entry.adapter)
    assert issubclass(adapter, System) and adapter is not System


def test_systems_in_table_order_with_hf_and_allennlp_as_peers():
    assert systems.INFERENCE_SYSTEMS == (
        systems.BERT_CLS,
        systems.BERT_CLS_INT8,
        systems.BERT_CLS_ONNX,
        systems.BERT_CLS_ONNX_INT8,
        systems.HF,
        systems.ALLENNLP,
    )
    assert systems.TRAINING_SYSTEMS == (systems.BERT_CLS, systems.HF, systems.ALLENNLP)
    assert systems.PEERS == (systems.HF, systems.ALLENNLP)


def test_an_unknown_system_is_refused_with_the_known_names(tmp_path):
    with pytest.raises(ValueError, match="unknown system 'ONNX'.*bert_cls int8"):
        systems.build_system("ONNX", tmp_path, training=False)
