"""
Export of a `bert_for_classification` archive to ONNX, with the vocabulary and tokenization
settings, for ONNX Runtime without AllenNLP or torch (`onnx_export`). The ONNX graph and the
ONNX Runtime session themselves are in `bert_cls.modules.onnx_bert`, which the model's ONNX
Runtime inference path uses too.
"""

from bert_cls.export.onnx_export import (
    CONFIG_FILE,
    MODEL_FILE,
    VOCAB_FILE,
    OnnxExport,
    export_archive,
    export_model,
)
from bert_cls.export.preprocessing import preprocessing_settings
