"""
Export of a `bert_for_classification` model, with its tokenization settings, to files that
ONNX Runtime runs without AllenNLP or torch. `export_archive` is the library call for a
`model.tar.gz`, `export_model` for a model and reader in memory; the `bert-cls-export-onnx`
console script (`bert_cls.commands.export_onnx`) is the command line.

The destination directory receives:

- `model.onnx` (`MODEL_FILE`): inputs `input_ids`, `token_type_ids`, `attention_mask` (int64,
  `(batch, sequence)`, both axes dynamic; the mask 1 at wordpieces, 0 at padding), output
  `logits` (float32, `(batch, num_labels)`). BERT with its last layer at `[CLS]` alone, the
  pooler and the classification layer, optimized by ONNX Runtime's transformers optimizer and,
  with `int8`, quantized by its dynamic int8 quantization (`bert_cls.modules.onnx_bert`);
- `vocab.txt` (`VOCAB_FILE`): the indexer's BERT vocabulary, one wordpiece a line, line `i`
  being id `i`;
- `classifier_config.json` (`CONFIG_FILE`): the label of each output (`labels`), the input and
  output names, the BERT's size, and the settings of the tokenizer, indexer and reader
  (`bert_cls.export.preprocessing.preprocessing_settings`).

A model that pools windows (`window_pooling`), an indexer that cuts windows, or a tokenizer other
than `bert-basic` is refused with a `ConfigurationError` naming the setting. An existing
destination is replaced only with `force`; files are written beside it first and moved into place
at the end, so a failure leaves nothing half-written.
"""

import json
import logging
import tempfile
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.models import Model
from allennlp.models.archival import load_archive

from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.export.preprocessing import bert_indexer_of, preprocessing_settings
from bert_cls.models import BertForClassification
from bert_cls.modules.checkpoint_conversion import refuse_existing_destination, replace_destination
from bert_cls.modules.onnx_bert import (
    DEFAULT_OPSET,
    INPUT_NAMES,
    OUTPUT_NAME,
    build_onnx_classifier,
    import_onnx,
)
from bert_cls.modules.onnx_bert.graph import check_opset

logger = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
VOCAB_FILE = "vocab.txt"
CONFIG_FILE = "classifier_config.json"
EXPORT_FORMAT = "bert_cls onnx export"
FORMAT_VERSION = 1


class OnnxExport(NamedTuple):
    destination: Path
    labels: List[str]
    int8: bool
    fused_operators: Dict[str, int]

    def summary(self) -> str:
        precision = "int8 (ONNX Runtime dynamic quantization)" if self.int8 else "fp32"
        fused = ", ".join(f"{count} {name}" for name, count in sorted(self.fused_operators.items()))
        return (
            f"Wrote {self.destination} ({MODEL_FILE}, {VOCAB_FILE}, {CONFIG_FILE}): {precision}, "
            f"labels {self.labels}; fused by ONNX Runtime's optimizer: {fused or 'nothing'}."
        )


def export_archive(
    archive_file: Union[str, Path],
    destination: Union[str, Path],
    int8: bool = False,
    opset: int = DEFAULT_OPSET,
    force: bool = False,
) -> OnnxExport:
    """
    Exports the `bert_for_classification` model of the AllenNLP archive `archive_file` with its
    validation dataset reader's tokenization (the reader `allennlp predict` uses) to the
    directory `destination` (see the module doc). Raises `ConfigurationError` for a missing
    archive and for what cannot be exported, `OnnxNotInstalled` without the `onnx` extra.
    """
    destination = Path(destination).expanduser()
    check_opset(opset)
    refuse_existing_destination(destination, force)
    if not Path(archive_file).expanduser().is_file():
        raise ConfigurationError(f"Archive '{archive_file}' is not a file.")
    import_onnx()
    archive = load_archive(str(archive_file), cuda_device=-1)
    return export_model(
        archive.model, archive.validation_dataset_reader, destination, int8, opset, force
    )


def export_model(
    model: Model,
    reader: DatasetReader,
    destination: Union[str, Path],
    int8: bool = False,
    opset: int = DEFAULT_OPSET,
    force: bool = False,
) -> OnnxExport:
    """
    Exports `model`, a `BertForClassification`, with the tokenization of `reader` (the reader
    that makes its instances) to the directory `destination` (see the module doc). Raises
    `ConfigurationError` for what cannot be exported, `OnnxNotInstalled` without the `onnx`
    extra.
    """
    destination = Path(destination).expanduser()
    check_opset(opset)
    refuse_existing_destination(destination, force)
    if not isinstance(model, BertForClassification):
        raise ConfigurationError(
            f"Only bert_for_classification models can be exported, not {type(model).__name__}."
        )
    if model.window_pooling is not None:
        raise ConfigurationError(
            f"The model pools the logits of windows (window_pooling '{model.window_pooling}'): "
            f"the exported model classifies one [CLS] ... [SEP] row per input, so window "
            f"pooling cannot be exported. Export a model with window_pooling null, or predict "
            f"with --predictor-args '{{\"onnx_runtime\": true}}', which pools windows itself."
        )
    settings = preprocessing_settings(reader, model.index)
    indexer = bert_indexer_of(reader, model.index)
    labels = _labels(model)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{destination.name}.", dir=destination.parent) as tmp:
        staged = Path(tmp) / "export"
        staged.mkdir()
        fused = build_onnx_classifier(
            model.bert_model, model.classification_layer, staged / MODEL_FILE, int8, opset
        )
        _write_vocab(indexer, staged / VOCAB_FILE)
        config = _classifier_config(model, labels, settings, int8, opset)
        (staged / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        replace_destination(staged, destination)
    export = OnnxExport(destination, labels, int8, fused)
    logger.info(export.summary())
    return export


def _labels(model: BertForClassification) -> List[str]:
    index_to_label = model.vocab.get_index_to_token_vocabulary(model.label_namespace)
    return [index_to_label.get(i, str(i)) for i in range(model.classification_layer.out_features)]


def _write_vocab(indexer: PretrainedBertIndexer, path: Path) -> None:
    pieces = sorted(indexer.vocab, key=indexer.vocab.__getitem__)
    if [indexer.vocab[piece] for piece in pieces] != list(range(len(pieces))):
        raise ConfigurationError(
            "The indexer's BERT vocabulary does not number its wordpieces 0, 1, 2, ... (a "
            "wordpiece repeated in its vocab.txt?), so it cannot be written one wordpiece a line."
        )
    path.write_text("".join(piece + "\n" for piece in pieces), encoding="utf-8")


def _classifier_config(
    model: BertForClassification,
    labels: List[str],
    settings: Dict[str, Any],
    int8: bool,
    opset: int,
) -> Dict[str, Any]:
    bert = model.bert_model.config
    return {
        "format": EXPORT_FORMAT,
        "format_version": FORMAT_VERSION,
        "model_file": MODEL_FILE,
        "vocab_file": VOCAB_FILE,
        "inputs": list(INPUT_NAMES),
        "output": OUTPUT_NAME,
        "labels": labels,
        "int8": int8,
        "opset": opset,
        "bert": {
            "hidden_size": bert.hidden_size,
            "num_hidden_layers": bert.num_hidden_layers,
            "num_attention_heads": bert.num_attention_heads,
            "max_position_embeddings": bert.max_position_embeddings,
            "vocab_size": bert.vocab_size,
        },
        **settings,
    }
