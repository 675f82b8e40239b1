"""
AllenNLP: `basic_classifier` with a `pretrained_transformer` tokenizer (`max_length` 128),
indexer and embedder, and a `bert_pooler` (dropout 0.1 in the classifier, as in the other
systems). Inference goes through AllenNLP's `text_classifier` predictor's `predict_batch_json`.
"""

from pathlib import Path

from allennlp.data.dataset_readers import TextClassificationJsonReader
from allennlp.data.token_indexers import PretrainedTransformerIndexer
from allennlp.data.tokenizers import PretrainedTransformerTokenizer
from allennlp.models import BasicClassifier
from allennlp.modules.seq2vec_encoders import BertPooler
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import PretrainedTransformerEmbedder
from allennlp.predictors import TextClassifierPredictor

from benchmarks.settings import LABELS, MAX_PIECES
from benchmarks.systems.allennlp_pipeline import AllenNlpStyleSystem, label_vocabulary
from benchmarks.systems.base import same_classifier


class BasicClassifierSystem(AllenNlpStyleSystem):
    def __init__(self, model_dir: Path, training: bool = False):
        name = str(model_dir)
        self.reader = TextClassificationJsonReader(
            tokenizer=PretrainedTransformerTokenizer(name, max_length=MAX_PIECES),
            token_indexers={"tokens": PretrainedTransformerIndexer(name)},
        )
        embedder = BasicTextFieldEmbedder({"tokens": PretrainedTransformerEmbedder(name)})
        self.model = BasicClassifier(
            label_vocabulary(),
            text_field_embedder=embedder,
            seq2vec_encoder=BertPooler(name),
            dropout=0.1,
            num_labels=len(LABELS),
            namespace="tags",  # the pretrained_transformer indexer's namespace
        )
        same_classifier(self.model._classification_layer, len(LABELS), embedder.get_output_dim())
        if training:
            self.start_training()
        else:
            self.predictor = TextClassifierPredictor(self.model, self.reader)
