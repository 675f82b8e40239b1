"""
Hugging Face transformers: `BertForSequenceClassification` with `BertTokenizerFast`
(`max_length` 128, truncation, padding to the longest in the batch). Inference is
tokenizer(...) + model(...) + argmax + id2label under `torch.no_grad()`.
"""

from pathlib import Path

import torch
from transformers import BertForSequenceClassification, BertTokenizerFast

from benchmarks.settings import LABELS, LEARNING_RATE, MAX_PIECES
from benchmarks.systems.base import System, same_classifier


class HuggingFaceSystem(System):
    def __init__(self, model_dir: Path, training: bool = False):
        self.tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
        self.model = BertForSequenceClassification.from_pretrained(
            str(model_dir),
            num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)),
            label2id={label: i for i, label in enumerate(LABELS)},
        )
        same_classifier(self.model.classifier, len(LABELS), self.model.config.hidden_size)
        self.id2label = self.model.config.id2label
        if training:
            self.model.train()
            parameters = [p for p in self.model.parameters() if p.requires_grad]
            self.optimizer = torch.optim.AdamW(parameters, lr=LEARNING_RATE)
        else:
            self.model.eval()

    def _encode(self, texts):
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_PIECES, return_tensors="pt"
        )

    def predict(self, texts):
        with torch.no_grad():
            logits = self.model(**self._encode(texts)).logits
        return [self.id2label[i] for i in logits.argmax(dim=-1).tolist()]

    def lengths(self, texts):
        encoded = self.tokenizer(texts, truncation=True, max_length=MAX_PIECES)
        return [len(ids) for ids in encoded["input_ids"]]

    def train_batch(self, items):
        encoded = self._encode([item["text"] for item in items])
        encoded["labels"] = torch.tensor([LABELS.index(item["label"]) for item in items])
        return encoded

    def batch_lengths(self, batch):
        return batch["attention_mask"].sum(dim=1).tolist()

    def train_step(self, batch):
        loss = self.model(**batch).loss
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss)
