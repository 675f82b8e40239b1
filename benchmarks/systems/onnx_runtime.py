"""
ONNX Runtime: the Hugging Face model on the same weights and classifier, exported and optimized
for BERT, in fp32 or dynamically quantized to int8 (`benchmarks.onnx_export`, written by the
"prepare" worker), run by an `onnxruntime.InferenceSession` with the worker's threads as
intra-op threads on the CPU execution provider. Inference is `BertTokenizerFast` (`max_length`
128, truncation, padding to the longest in the batch, numpy arrays) + session + argmax. Inference
only.
"""

import json
import os
from pathlib import Path

from benchmarks.settings import LABELS, MAX_PIECES
from benchmarks.systems.base import System

# Written by the "prepare" worker next to the model directory: where the exports are, or why
# there are none.
EXPORT_RECORD = "onnx_export.json"


class OnnxRuntimeSystem(System):
    """
    # Parameters

    model_dir : `Path`
        The directory all systems read (its tokenizer files); the ONNX files are those
        `EXPORT_RECORD` beside it names.
    int8 : `bool`, optional (default = `False`)
        Run the int8 export instead of the fp32 one.
    training : `bool`, optional (default = `False`)
        Must be False: raises a `ValueError` otherwise.
    """

    def __init__(self, model_dir: Path, int8: bool = False, training: bool = False):
        if training:
            raise ValueError("the ONNX Runtime systems are measured in inference only")
        record = json.loads((model_dir.parent / EXPORT_RECORD).read_text())
        if "error" in record:
            raise RuntimeError(f"no ONNX export: {record['error']}")
        import onnxruntime
        from transformers import BertTokenizerFast

        self.tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.model_path = record["int8" if int8 else "fp32"]
        self.session = onnxruntime.InferenceSession(
            self.model_path, options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {node.name for node in self.session.get_inputs()}
        self.record = record

    def predict(self, texts):
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_PIECES, return_tensors="np"
        )
        feeds = {name: array for name, array in encoded.items() if name in self.input_names}
        (logits,) = self.session.run(["logits"], feeds)
        return [LABELS[i] for i in logits.argmax(axis=-1).tolist()]

    def lengths(self, texts):
        encoded = self.tokenizer(texts, truncation=True, max_length=MAX_PIECES)
        return [len(ids) for ids in encoded["input_ids"]]

    def info(self):
        return {
            "model": Path(self.model_path).name,
            "intra_op_threads": self.session.get_session_options().intra_op_num_threads,
            **{key: self.record[key] for key in ("opset", "onnx", "onnxruntime")},
            "fused_operators": {
                name: count for name, count in self.record["fused_operators"].items() if count
            },
        }
