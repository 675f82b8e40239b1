"""
ONNX Runtime for a BERT classifier: the ONNX graph of a pytorch-pretrained-bert `BertModel` and
its classification layer (wordpiece ids to logits), ONNX Runtime's graph optimization and int8
quantization of it, and a session that runs it on torch tensors. onnx and onnxruntime come with
bert_cls's `onnx` extra and are imported only when used.

- `graph.export_logits_graph`: `torch.onnx` export in ppb's plain layers (which ONNX Runtime's
  optimizer fuses), the last layer at `[CLS]` alone;
- `optimization`: `optimize_bert_graph` (ONNX Runtime's transformers optimizer) and
  `quantize_graph_int8` (its dynamic int8 quantization);
- `build.build_onnx_classifier`: the three in a row, into one `.onnx` file;
- `session.OnnxClassifierSession`: an `onnxruntime.InferenceSession` on that file, called with
  torch tensors like the forward it replaces (`BertForClassification.use_onnx_runtime`).
"""

from bert_cls.modules.onnx_bert.build import build_onnx_classifier
from bert_cls.modules.onnx_bert.dependencies import ONNX_EXTRA, OnnxNotInstalled, import_onnx
from bert_cls.modules.onnx_bert.graph import (
    DEFAULT_OPSET,
    INPUT_NAMES,
    OUTPUT_NAME,
    SUPPORTED_OPSETS,
    export_logits_graph,
)
from bert_cls.modules.onnx_bert.session import DEFAULT_THREADS, OnnxClassifierSession
