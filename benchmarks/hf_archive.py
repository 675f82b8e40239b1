"""
A trained bert_cls archive as the Hugging Face model a user would serve instead: its fine-tuned
BERT and classification layer copied, unchanged, into a `BertForSequenceClassification`, saved
with a `BertTokenizerFast` of the same wordpiece vocabulary, casing and maximum length
(`benchmarks.serve_load`'s pipeline peer loads it).
"""

from pathlib import Path
from typing import Dict, List, NamedTuple

import torch
from allennlp.data import TokenIndexer
from allennlp.models.archival import Archive
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

from bert_cls.modules.bert_loading import PPB_LAYER_NORM_EPS
from bert_cls.modules.checkpoint_conversion import ppb_config_dict

# Buffers a fresh BertForSequenceClassification has that no BERT state dict needs to give.
HF_ONLY_KEYS = {"bert.embeddings.position_ids"}


class HuggingFaceCopy(NamedTuple):
    directory: Path
    labels: List[str]
    max_length: int
    do_lower_case: bool


def hf_state_dict(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """
    The `BertForSequenceClassification` state dict of a `bert_for_classification` model: its
    BERT's parameters under `bert.` (pytorch-pretrained-bert and Hugging Face name them alike)
    and its classification layer's under `classifier.`.
    """
    state = {f"bert.{key}": value for key, value in model.bert_model.state_dict().items()}
    for key, value in model.classification_layer.state_dict().items():
        state[f"classifier.{key}"] = value
    return state


def save_as_hugging_face(archive: Archive, directory: Path) -> HuggingFaceCopy:
    """
    Writes `archive`'s model (a single-text `bert_for_classification` with the `bert`
    indexer) into `directory` as a `BertForSequenceClassification` with its tokenizer, and
    says what it wrote. Raises `ValueError` when a parameter does not carry over.
    """
    model = archive.model
    label_namespace = model.label_namespace
    labels = [
        model.vocab.get_token_from_index(i, label_namespace)
        for i in range(model.vocab.get_vocab_size(label_namespace))
    ]
    # Hugging Face's BertConfig takes pytorch-pretrained-bert's fields under the same names.
    config = BertConfig(
        **ppb_config_dict(model.bert_model.config),
        layer_norm_eps=PPB_LAYER_NORM_EPS,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    hf_model = BertForSequenceClassification(config)
    missing, unexpected = hf_model.load_state_dict(hf_state_dict(model), strict=False)
    if unexpected or set(missing) - HF_ONLY_KEYS:
        raise ValueError(
            f"the archive's model does not map onto BertForSequenceClassification: "
            f"missing {sorted(set(missing) - HF_ONLY_KEYS)}, unexpected {sorted(unexpected)}"
        )
    directory.mkdir(parents=True, exist_ok=True)
    hf_model.eval().save_pretrained(str(directory))

    indexer_params = archive.config["dataset_reader"]["token_indexers"]["bert"]
    indexer = TokenIndexer.from_params(indexer_params.duplicate())
    max_length = indexer.max_pieces
    do_lower_case = bool(indexer_params.get("do_lowercase", True))
    vocab_file = directory / "vocab.txt"
    by_id = sorted(indexer.vocab.items(), key=lambda item: item[1])
    vocab_file.write_text("".join(piece + "\n" for piece, _ in by_id), encoding="utf-8")
    tokenizer = BertTokenizerFast(
        vocab_file=str(vocab_file), do_lower_case=do_lower_case, model_max_length=max_length
    )
    tokenizer.save_pretrained(str(directory))
    return HuggingFaceCopy(directory, labels, max_length, do_lower_case)
