"""
The ONNX graph of a BERT classifier: wordpiece ids to logits, exported with `torch.onnx` from a
pytorch-pretrained-bert (ppb) 0.6.2 `BertModel` and its classification layer.

The graph runs BERT with ppb's own (plain) layers, whatever form the model runs in torch: the
fused layers' attention (`bert_cls.modules.fast_bert.fused_layers`) is one `torch.baddbmm`,
which ONNX Runtime's transformers optimizer does not recognise as attention, while ppb's plain
attention becomes its fused `Attention` operator. Both compute the same function, and the state
dict is the same. The last layer is computed at the `[CLS]` position alone, as
`bert_cls.modules.fast_bert.cls_pooled_output` computes it: the pooler reads nothing else.
"""

import copy
from pathlib import Path

import torch
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.fast_bert import cls_pooled_output

INPUT_NAMES = ("input_ids", "token_type_ids", "attention_mask")
OUTPUT_NAME = "logits"
DEFAULT_OPSET = 14
# ONNX opsets torch 1.12's exporter writes that ONNX Runtime's transformers optimizer reads.
SUPPORTED_OPSETS = range(11, 17)


class LogitsGraph(torch.nn.Module):
    """
    `(input_ids, token_type_ids, attention_mask)`, each `(batch, sequence)` int64 (the mask 1 at
    real wordpieces, 0 at padding), to the logits `(batch, num_labels)`: `bert_model`'s pooled
    output, with its last layer at `[CLS]` alone, through `classification_layer`. Inference only
    (no dropout).
    """

    def __init__(self, bert_model: BertModel, classification_layer: torch.nn.Linear) -> None:
        super().__init__()
        self.bert_model = bert_model
        self.classification_layer = classification_layer

    def forward(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        pooled = cls_pooled_output(
            self.bert_model, input_ids, token_type_ids, attention_mask.bool()
        )
        return self.classification_layer(pooled)


def plain_bert_copy(bert_model: BertModel) -> BertModel:
    """
    A new ppb `BertModel` with `bert_model`'s config and a copy of its weights, in ppb's own
    plain layers and in eval mode. Raises `ConfigurationError` for a model whose Linear layers
    were quantized to int8 in torch (`bert_cls.modules.fast_bert.quantize_int8`): export the
    fp32 model, and let ONNX Runtime quantize the graph.
    """
    check_float_linear_layers(bert_model)
    plain = BertModel(bert_model.config)
    plain.load_state_dict(bert_model.state_dict())
    return plain.eval()


def check_float_linear_layers(module: torch.nn.Module) -> None:
    quantized = [
        name
        for name, child in module.named_modules()
        if isinstance(child, torch.nn.quantized.dynamic.Linear)
    ]
    if quantized:
        raise ConfigurationError(
            f"Cannot export a model quantized to int8 in torch ({len(quantized)} int8 Linear "
            f"layers, e.g. '{quantized[0]}'): export the fp32 model, with int8 asked of the "
            f"export (--int8, quantize_int8), so that ONNX Runtime quantizes the graph."
        )


def check_opset(opset: int) -> None:
    if opset not in SUPPORTED_OPSETS:
        raise ConfigurationError(
            f"ONNX opset {opset} is not supported; choose one from {SUPPORTED_OPSETS.start} to "
            f"{SUPPORTED_OPSETS.stop - 1} (default {DEFAULT_OPSET})."
        )


def export_logits_graph(
    bert_model: BertModel,
    classification_layer: torch.nn.Linear,
    destination: Path,
    opset: int = DEFAULT_OPSET,
) -> None:
    """
    Writes the `LogitsGraph` of `bert_model` (copied into plain ppb layers, `plain_bert_copy`)
    and `classification_layer` to the ONNX file `destination`: inputs `input_ids`,
    `token_type_ids`, `attention_mask` (int64, `(batch, sequence)`, both axes dynamic), output
    `logits` (float32, `(batch, num_labels)`). Raises `ConfigurationError` for an opset outside
    `SUPPORTED_OPSETS` or a model quantized in torch.
    """
    check_opset(opset)
    check_float_linear_layers(classification_layer)
    graph = LogitsGraph(plain_bert_copy(bert_model), copy.deepcopy(classification_layer)).eval()
    # Any ids below the vocabulary size trace the same graph; two rows of three wordpieces.
    example = torch.ones(2, 3, dtype=torch.long)
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    dynamic_axes[OUTPUT_NAME] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(
            graph,
            (example, torch.zeros_like(example), example),
            str(destination),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
        )
