"""
A `.safetensors` checkpoint is read without unpickling anything: with every way into pickle
blocked, the Hugging Face fixture still loads, while the pickled `pytorch_model.bin` of the
pytorch-pretrained-bert fixture (the control) cannot.
"""

import pickle

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from safetensors.torch import load_file

from bert_cls.modules.bert_loading import load_bert_model
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT


class UnpicklingForbidden(AssertionError):
    pass


def _forbidden(*args, **kwargs):
    raise UnpicklingForbidden("something tried to unpickle")


class _ForbiddenUnpickler:
    def __init__(self, *args, **kwargs):
        _forbidden()


@pytest.fixture
def no_unpickling(monkeypatch):
    monkeypatch.setattr(pickle, "Unpickler", _ForbiddenUnpickler)
    monkeypatch.setattr(pickle, "load", _forbidden)
    monkeypatch.setattr(pickle, "loads", _forbidden)
    monkeypatch.setattr(torch, "load", _forbidden)


def test_safetensors_weights_load_without_unpickling(no_unpickling):
    model = load_bert_model(str(FIXTURES_ROOT / "bert_hf"))
    assert model.config.vocab_size == 38
    # The weights are the file's, not a fresh initialisation.
    tensors = load_file(str(FIXTURES_ROOT / "bert_hf" / "model.safetensors"))
    key = next(key for key in tensors if key.endswith("word_embeddings.weight"))
    assert torch.equal(model.embeddings.word_embeddings.weight, tensors[key])


def test_the_block_bites_pytorch_model_bin_is_unpickled(no_unpickling):
    # read_state_dict reports the failure as a ConfigurationError naming the file.
    with pytest.raises(ConfigurationError, match=r"pytorch_model\.bin.*UnpicklingForbidden"):
        load_bert_model(str(FIXTURE_BERT))


def test_safetensors_weights_are_copied_in_blocks_into_the_model(monkeypatch):
    # Blocks of 3 elements: every matrix goes in many blocks, rows never cut; all weights are the
    # file's, bit for bit.
    import bert_cls.modules.bert_loading as bert_loading

    monkeypatch.setattr(bert_loading, "COPY_BLOCK_ELEMENTS", 3)
    model = load_bert_model(str(FIXTURES_ROOT / "bert_hf"))
    tensors = bert_loading.normalize_bert_state_dict(
        load_file(str(FIXTURES_ROOT / "bert_hf" / "model.safetensors"))
    )
    state = model.state_dict()
    shared = [key for key in tensors if key in state]
    assert len(shared) == len(state)
    assert all(torch.equal(state[key], tensors[key]) for key in shared)


def test_a_safetensors_file_is_read_lazily(tmp_path):
    from bert_cls.modules.bert_loading import LazySafetensor, read_state_dict

    state_dict = read_state_dict(FIXTURES_ROOT / "bert_hf" / "model.safetensors")
    assert state_dict and all(isinstance(value, LazySafetensor) for value in state_dict.values())
    tensors = load_file(str(FIXTURES_ROOT / "bert_hf" / "model.safetensors"))
    for key, value in state_dict.items():
        assert value.shape == tensors[key].shape
        assert torch.equal(value.load(), tensors[key])
