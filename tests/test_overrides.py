"""
Every method a plugin class overrides from an AllenNLP base class carries `@overrides`, which
checks at import that the base class has a method of that name (so a typo fails at import).
"""

import inspect

import pytest

from bert_cls.data.dataset_readers import (
    BertPairClassificationJsonReader,
    CheckedTextClassificationJsonReader,
)
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from bert_cls.models import BertForClassification
from bert_cls.predictors import BertForClassificationPredictor
from bert_cls.training.atomic_checkpointer import AtomicCheckpointer
from bert_cls.training.learning_curve import LearningCurveCallback
from bert_cls.training.metrics import PerLabelF1

PLUGIN_CLASSES = [
    AtomicCheckpointer,
    BertBasicTokenizer,
    BertForClassification,
    BertForClassificationPredictor,
    BertPairClassificationJsonReader,
    CheckedTextClassificationJsonReader,
    LearningCurveCallback,
    PerLabelF1,
    PretrainedBertIndexer,
]


def allennlp_overrides(cls: type):
    """The methods `cls` defines that an AllenNLP base class of it defines too."""
    allennlp_bases = [base for base in cls.__mro__[1:] if base.__module__.startswith("allennlp.")]
    for name, member in vars(cls).items():
        if name == "__init__" or not inspect.isfunction(member):
            continue
        if any(name in vars(base) for base in allennlp_bases):
            yield name, member


@pytest.mark.parametrize("cls", PLUGIN_CLASSES, ids=lambda cls: cls.__name__)
def test_each_overriding_method_is_marked(cls):
    overriding = dict(allennlp_overrides(cls))
    assert overriding, f"{cls.__name__} overrides nothing from AllenNLP?"
    unmarked = [
        name for name, method in overriding.items() if not getattr(method, "__override__", False)
    ]
    assert unmarked == []
