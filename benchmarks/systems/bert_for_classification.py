"""
bert_cls: `bert_for_classification` built from the SpamAssassin example's config (bert-basic
tokenizer, bert-pretrained indexer with `max_pieces` 128, dropout 0.1) with the model's default
fast paths, optionally quantized to int8 (inference only). Inference goes through its
predictor's `predict_batch_json`.
"""

import inspect
import json
from pathlib import Path

from allennlp.common import Params
from allennlp.data import DatasetReader
from allennlp.models import Model

import bert_cls  # noqa: F401  (registers the classes)
from benchmarks.paths import SPAMASSASSIN_CONFIG
from benchmarks.settings import LABELS, MAX_PIECES
from benchmarks.systems.allennlp_pipeline import AllenNlpStyleSystem, label_vocabulary
from benchmarks.systems.base import same_classifier
from bert_cls.models import BertForClassification
from bert_cls.modules.fast_bert import quantize_int8  # the benchmark's one import of it
from bert_cls.predictors import BertForClassificationPredictor

# Reported in the JSON: the model's defaults for these, as the benchmark measures them.
FAST_PATH_PARAMETERS = ("fused_layers", "padding_free_inference")


class BertClsSystem(AllenNlpStyleSystem):
    """
    # Parameters

    model_dir : `Path`
        The directory all systems read; it replaces the config's weights and vocabulary.
    int8 : `bool`, optional (default = `False`)
        Apply `quantize_int8` to the model (inference only).
    training : `bool`, optional (default = `False`)
    """

    mask_key = "wordpiece_mask"
    text_key = "text"

    def __init__(self, model_dir: Path, int8: bool = False, training: bool = False):
        overrides = {
            "dataset_reader.token_indexers.bert.pretrained_model": str(model_dir),
            "dataset_reader.token_indexers.bert.max_pieces": MAX_PIECES,
            "model.bert_model": str(model_dir),
        }
        params = Params.from_file(str(SPAMASSASSIN_CONFIG), params_overrides=json.dumps(overrides))
        self.reader = DatasetReader.from_params(params.pop("dataset_reader"))
        self.model = Model.from_params(vocab=label_vocabulary(), params=params.pop("model"))
        hidden = self.model.bert_model.config.hidden_size
        same_classifier(self.model.classification_layer, len(LABELS), hidden)
        signature = inspect.signature(BertForClassification.__init__).parameters
        self._fast_paths = {
            name: (signature[name].default if name in signature else "not a parameter")
            for name in FAST_PATH_PARAMETERS
        }
        if int8:
            self.model = quantize_int8(self.model)
        if training:
            self.start_training()
        else:
            self.predictor = BertForClassificationPredictor(self.model, self.reader)

    def info(self):
        return {"fast_path_defaults": self._fast_paths, "model_class": type(self.model).__name__}
