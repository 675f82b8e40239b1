"""
The text-to-tensors path shared by the systems built on AllenNLP (bert_cls and AllenNLP's
`basic_classifier`): a dataset reader's Instances, batched as AllenNLP's data loaders and
predictors batch them.
"""

from typing import Any, Dict, List

import torch
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.predictors import Predictor

from benchmarks.settings import INFER_BATCH_SIZE, LABELS, LEARNING_RATE
from benchmarks.systems.base import System


def label_vocabulary() -> Vocabulary:
    """A vocabulary holding the benchmark's labels, in their order, in the "labels" namespace."""
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(list(LABELS), "labels")
    return vocab


class AllenNlpStyleSystem(System):
    """
    A system whose subclass sets `reader` and `model`, then either `predictor` (inference) or,
    through `start_training`, the optimizer. `text_key` is the predictor's JSON key of the text;
    `mask_key` the indexer's output that marks real wordpieces.
    """

    predictor: Predictor = None
    reader: DatasetReader = None
    model: Model = None
    optimizer: torch.optim.Optimizer = None
    mask_key = "mask"
    text_key = "sentence"

    def predict(self, texts):
        outputs = self.predictor.predict_batch_json([{self.text_key: text} for text in texts])
        return [output["label"] for output in outputs]

    def _tensors(self, instances) -> Dict[str, Any]:
        for instance in instances:  # as AllenNLP's data loaders and predictors do
            self.reader.apply_token_indexers(instance)
        batch = Batch(instances)
        batch.index_instances(self.model.vocab)
        return batch.as_tensor_dict()

    def _indexer_output(self, tensors):
        return next(iter(tensors["tokens"].values()))

    def lengths(self, texts):
        lengths: List[int] = []
        for start in range(0, len(texts), INFER_BATCH_SIZE):
            instances = [
                self.reader.text_to_instance(text)
                for text in texts[start : start + INFER_BATCH_SIZE]
            ]
            mask = self._indexer_output(self._tensors(instances))[self.mask_key]
            lengths += mask.sum(dim=1).tolist()
        return lengths

    def train_batch(self, items):
        instances = [self.reader.text_to_instance(item["text"], item["label"]) for item in items]
        return self._tensors(instances)

    def batch_lengths(self, batch):
        return self._indexer_output(batch)[self.mask_key].sum(dim=1).tolist()

    def start_training(self) -> None:
        self.model.train()
        parameters = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(parameters, lr=LEARNING_RATE)

    def train_step(self, batch):
        loss = self.model(**batch)["loss"]
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss)
