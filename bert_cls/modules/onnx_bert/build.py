"""
From a BERT and its classification layer to the ONNX file ONNX Runtime runs: export, optimize,
and, if asked, quantize to int8.
"""

import shutil
import tempfile
from pathlib import Path
from typing import Dict

import torch
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.onnx_bert.graph import DEFAULT_OPSET, export_logits_graph
from bert_cls.modules.onnx_bert.optimization import optimize_bert_graph, quantize_graph_int8


def build_onnx_classifier(
    bert_model: BertModel,
    classification_layer: torch.nn.Linear,
    destination: Path,
    int8: bool = False,
    opset: int = DEFAULT_OPSET,
) -> Dict[str, int]:
    """
    Writes the ONNX file `destination`: `bert_model` and `classification_layer` exported by
    `graph.export_logits_graph` (ids to logits, last layer at `[CLS]` alone), optimized by
    ONNX Runtime's transformers optimizer (`optimization.optimize_bert_graph`) and, with `int8`,
    quantized by its dynamic int8 quantization (`optimization.quantize_graph_int8`). The
    intermediate files live in a temporary directory. Returns the optimizer's fused operator
    counts. Raises `ConfigurationError` for what `export_logits_graph` refuses, and
    `OnnxNotInstalled` without onnx and onnxruntime.
    """
    config = bert_model.config
    with tempfile.TemporaryDirectory(prefix="bert_cls_onnx_") as staging:
        exported = Path(staging) / "exported.onnx"
        optimized = Path(staging) / "optimized.onnx"
        export_logits_graph(bert_model, classification_layer, exported, opset)
        fused = optimize_bert_graph(
            exported, optimized, config.num_attention_heads, config.hidden_size
        )
        if int8:
            quantize_graph_int8(optimized, destination)
        else:
            shutil.move(str(optimized), str(destination))
    return fused
