"""
bert_cls through ONNX Runtime: the `bert_cls` system (same config, weights, classifier, reader
and predictor) with the predictor's `onnx_runtime` switch, so its BERT, pooler and classification
layer run as an ONNX graph optimized by ONNX Runtime's transformers optimizer and, with `int8`,
quantized by ONNX Runtime's dynamic int8 quantization. ONNX Runtime gets as many intra-op
threads as torch has (the benchmark's `--threads`). Inference only.
"""

from pathlib import Path

import torch

from benchmarks.systems.bert_for_classification import BertClsSystem
from bert_cls.predictors import BertForClassificationPredictor


class BertClsOnnxRuntimeSystem(BertClsSystem):
    """
    # Parameters

    model_dir : `Path`
        The directory all systems read.
    int8 : `bool`, optional (default = `False`)
        Quantize the graph with ONNX Runtime's dynamic int8 quantization.
    training : `bool`, optional (default = `False`)
        Must be false: the system is measured in inference only.
    """

    def __init__(self, model_dir: Path, int8: bool = False, training: bool = False):
        if training:
            raise ValueError("bert_cls through ONNX Runtime is measured in inference only")
        super().__init__(model_dir)
        threads = torch.get_num_threads()
        self.predictor = BertForClassificationPredictor(
            self.model,
            self.reader,
            quantize_int8=int8,
            onnx_runtime=True,
            onnx_runtime_threads=threads,
        )
        self._onnx_runtime = {"int8": int8, "intra_op_threads": threads}

    def info(self):
        return {**super().info(), "onnx_runtime": self._onnx_runtime}
