"""
One model batch of JSON inputs through a predictor, each input with its own result: what the
server's worker thread runs for each batch of the dynamic batcher.
"""

from typing import List, Sequence, Union

from allennlp.common.util import JsonDict
from allennlp.predictors import Predictor

from bert_cls.predictors.input_mapping import with_id

Result = Union[JsonDict, Exception]


def predict_json_inputs(predictor: Predictor, inputs: Sequence[JsonDict]) -> List[Result]:
    """
    The prediction for each of `inputs` (JSON objects, as `Predictor.predict_json` takes them),
    in order, or in its place the exception that input alone raised: one bad input never costs
    the others their predictions. An input's `"id"` is copied to its output.

    A predictor with `checked_instance` and `predict_instances` (`bert_for_classification`'s
    and its subclasses) makes each input's instance (a `BadPredictionInput` names what is wrong
    with it) and predicts the good ones together (`predict_instances`: one model batch, or
    length-sorted sub-batches for a model that is not padding-free). Any other predictor gets
    the inputs as one `predict_batch_json` call, and, if that raises, one `predict_json` call
    per input.
    """
    if hasattr(predictor, "checked_instance") and hasattr(predictor, "predict_instances"):
        return _predict_checked_instances(predictor, inputs)
    try:
        outputs = predictor.predict_batch_json(list(inputs))
    except Exception:
        return [_predict_one(predictor, one_input) for one_input in inputs]
    return [with_id(one_input, output) for one_input, output in zip(inputs, outputs)]


def _predict_checked_instances(predictor: Predictor, inputs: Sequence[JsonDict]) -> List[Result]:
    results: List[Result] = [None] * len(inputs)  # type: ignore[list-item]
    instances, positions = [], []
    for position, one_input in enumerate(inputs):
        try:
            instances.append(predictor.checked_instance(one_input))  # type: ignore[attr-defined]
        except Exception as error:
            results[position] = error
        else:
            positions.append(position)
    if instances:
        outputs = predictor.predict_instances(instances)  # type: ignore[attr-defined]
        for position, output in zip(positions, outputs):
            if not isinstance(output, Exception):
                output = with_id(inputs[position], output)
            results[position] = output
    return results


def _predict_one(predictor: Predictor, one_input: JsonDict) -> Result:
    try:
        return with_id(one_input, predictor.predict_json(one_input))
    except Exception as error:
        return error
