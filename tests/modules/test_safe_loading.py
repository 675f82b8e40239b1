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
from tests.paths import FIXTURES_ROOT


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
        load_bert_model(str(FIXTURES_ROOT / "bert"))
