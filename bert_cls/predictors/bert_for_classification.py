from typing import List

from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict
from allennlp.data import Instance
from allennlp.predictors.predictor import Predictor
from allennlp.predictors.text_classifier import TextClassifierPredictor

TEXT_KEYS = ("sentence", "text")


@Predictor.register("bert_for_classification")
class BertForClassificationPredictor(TextClassifierPredictor):
    """
    The default predictor of `bert_for_classification`. Each input is a JSON object with the
    text under `"sentence"` (as AllenNLP's `text_classifier` predictor takes it) or `"text"`
    (as `text_classification_json` data files are written). An `"id"` in the input is copied to
    the output. The output holds the model's `logits`, `probs` and `label`, and `label_probs`:
    each label name with its probability.

    Registered as a `Predictor` with name "bert_for_classification".
    """

    def predict(self, sentence: str) -> JsonDict:
        return self.predict_json({"sentence": sentence})

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        key = next((key for key in TEXT_KEYS if key in json_dict), None)
        if key is None:
            raise ConfigurationError(
                f"Prediction input needs a 'sentence' or 'text' key; got keys {sorted(json_dict)}."
            )
        return super()._json_to_instance({"sentence": json_dict[key]})

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        return self._with_id(inputs, super().predict_json(inputs))

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        outputs = super().predict_batch_json(inputs)
        return [self._with_id(one_input, output) for one_input, output in zip(inputs, outputs)]

    def predict_instance(self, instance: Instance) -> JsonDict:
        return self._with_label_probs(super().predict_instance(instance))

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        return [self._with_label_probs(output) for output in super().predict_batch_instance(instances)]

    def _with_label_probs(self, output: JsonDict) -> JsonDict:
        namespace = getattr(self._model, "_label_namespace", "labels")
        index_to_label = self._model.vocab.get_index_to_token_vocabulary(namespace)
        output["label_probs"] = {index_to_label.get(i, str(i)): p for i, p in enumerate(output["probs"])}
        return output

    @staticmethod
    def _with_id(inputs: JsonDict, output: JsonDict) -> JsonDict:
        if "id" in inputs:
            output["id"] = inputs["id"]
        return output
