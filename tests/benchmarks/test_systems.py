"""
`benchmarks.systems`: every registered system names an adapter that exists, and the tables'
order, the peers, the BLAS settings and bert_cls's paths.
"""

import importlib

import pytest

from benchmarks import systems
from benchmarks.blas import AS_SHIPPED, BERT_CLS_SETTING, OWN_DEFAULT, SETTINGS
from benchmarks.systems.base import System


@pytest.mark.parametrize("entry", systems.SYSTEMS, ids=lambda entry: entry.name)
def test_every_entry_names_a_system_adapter_and_a_blas_setting(entry):
    module = importlib.import_module(f"benchmarks.systems.{entry.module}")
    adapter = getattr(module, entry.adapter)
    assert issubclass(adapter, System) and adapter is not System
    assert entry.blas in SETTINGS


def test_systems_in_table_order_with_each_peer_in_both_blas_settings_and_onnx_runtime():
    expected = (
        systems.BERT_CLS,
        systems.BERT_CLS_INT8,
        systems.BERT_CLS_ONNX,
        systems.BERT_CLS_ONNX_INT8,
        systems.HF,
        systems.HF_FAST_BLAS,
        systems.ALLENNLP,
        systems.ALLENNLP_FAST_BLAS,
        systems.ORT_FP32,
        systems.ORT_INT8,
    )
    assert tuple(name for name in systems.INFERENCE_SYSTEMS if name in expected) == expected
    training = (
        systems.BERT_CLS,
        systems.HF,
        systems.HF_FAST_BLAS,
        systems.ALLENNLP,
        systems.ALLENNLP_FAST_BLAS,
    )
    assert tuple(name for name in systems.TRAINING_SYSTEMS if name in training) == training
    assert systems.ORT_INT8 not in systems.TRAINING_SYSTEMS
    assert set(systems.PEERS) >= set(expected[4:])
    assert not set(systems.PEERS) & set(expected[:4])  # bert_cls's own paths
    assert systems.training_peers_with_blas(BERT_CLS_SETTING) == (
        systems.HF_FAST_BLAS,
        systems.ALLENNLP_FAST_BLAS,
    )
    assert systems.training_peers_with_blas(AS_SHIPPED) == (systems.HF, systems.ALLENNLP)
    assert systems.ENTRIES[systems.BERT_CLS].blas == OWN_DEFAULT


def test_bert_cls_with_mkl_as_shipped_is_measured_only_when_asked_for():
    assert systems.BERT_CLS_AS_SHIPPED not in systems.INFERENCE_SYSTEMS
    assert systems.BERT_CLS_AS_SHIPPED not in systems.TRAINING_SYSTEMS
    assert systems.BERT_CLS_AS_SHIPPED in systems.inference_systems(with_optional=True)
    assert systems.BERT_CLS_AS_SHIPPED in systems.training_systems(with_optional=True)
    assert systems.inference_systems() == systems.INFERENCE_SYSTEMS
    assert systems.ENTRIES[systems.BERT_CLS_AS_SHIPPED].blas == AS_SHIPPED


def test_bert_cls_paths_start_with_the_default_and_keep_to_one_precision():
    fp32, int8 = systems.bert_cls_paths(int8=False), systems.bert_cls_paths(int8=True)
    assert fp32[0] == systems.BERT_CLS and int8[0] == systems.BERT_CLS_INT8
    assert systems.BERT_CLS_AS_SHIPPED in fp32
    assert all(name.startswith("bert_cls") and "int8" not in name for name in fp32)
    assert all(name.startswith("bert_cls") and "int8" in name for name in int8)


def test_an_unknown_system_is_refused_with_the_known_names(tmp_path):
    with pytest.raises(ValueError, match="unknown system 'ONNX'.*bert_cls int8"):
        systems.build_system("ONNX", tmp_path, training=False)
