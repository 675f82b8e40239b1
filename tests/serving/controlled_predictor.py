"""
A test predictor whose model can be made slow or failing by the words of an input, for tests
of the server under load, failure and shutdown. Loaded into a server with
`--include-package tests.serving.controlled_predictor --predictor serving_test_controlled`.
"""

import time
from typing import List, Union

from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.models import Model
from allennlp.predictors import Predictor

from bert_cls.predictors import BertForClassificationPredictor

# A model batch holding an input with this word takes SLEEP_SECONDS longer.
SLEEP_WORD = "sleepy"
SLEEP_SECONDS = 2.0
# A model batch holding an input with this word raises (the predictor then predicts its inputs
# one at a time, and only the input with the word fails).
FAIL_WORD = "explode"
# A call of `predict_instances` with an input with this word raises: a failure the predictor
# does not put down to one input.
CRASH_WORD = "crash"


def words(instances: List[Instance]) -> set:
    return {token.text for instance in instances for token in instance["tokens"].tokens}


@Predictor.register("serving_test_controlled")
class ControlledPredictor(BertForClassificationPredictor):
    """`bert_for_classification`'s predictor, slowed or failed by the words above."""

    def __init__(self, model: Model, dataset_reader: DatasetReader, frozen: bool = True) -> None:
        super().__init__(model, dataset_reader, frozen)
        forward_on_instances = model.forward_on_instances

        def controlled_forward(instances: List[Instance]) -> List[JsonDict]:
            if SLEEP_WORD in words(instances):
                time.sleep(SLEEP_SECONDS)
            if FAIL_WORD in words(instances):
                raise RuntimeError(f"the model cannot take the word {FAIL_WORD!r}")
            return forward_on_instances(instances)

        model.forward_on_instances = controlled_forward  # type: ignore[method-assign]

    def predict_instances(self, instances: List[Instance]) -> List[Union[JsonDict, Exception]]:
        if CRASH_WORD in words(instances):
            raise RuntimeError(f"the predictor crashed on the word {CRASH_WORD!r}")
        return super().predict_instances(instances)
