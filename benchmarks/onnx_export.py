"""
The ONNX Runtime peers' models, written once per run by the "prepare" worker: the Hugging Face
`BertForSequenceClassification` on the benchmark's weights (with the shared classifier,
`benchmarks.systems.base.same_classifier`), exported as ONNX Runtime's BERT notebooks do it.

1. `torch.onnx.export`, opset 14, inputs `input_ids`, `attention_mask`, `token_type_ids` (int64)
   with dynamic batch and sequence axes, output `logits`;
2. `onnxruntime.transformers.optimizer.optimize_model(..., model_type="bert", num_heads,
   hidden_size)` (fused attention, bias + GELU, skip layer norm, embedding layer norm):
   `model_fp32.onnx`;
3. `onnxruntime.quantization.quantize_dynamic` of that model, int8 weights
   (`QuantType.QInt8`, `DefaultTensorType` float, which the optimized graph needs):
   `model_int8.onnx`.
"""

import logging
from pathlib import Path
from typing import Any, Dict

FP32_FILE = "model_fp32.onnx"
INT8_FILE = "model_int8.onnx"
OPSET = 14


def export_hugging_face_to_onnx(model_dir: Path, out_dir: Path) -> Dict[str, Any]:
    """
    Writes `FP32_FILE` and `INT8_FILE` into `out_dir` from the model in `model_dir` (see the
    module doc), and returns their paths and the versions used. Raises `ImportError` when onnx
    or onnxruntime is not installed (`pip install -e '.[onnx]'`).
    """
    import onnx
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import BertForSequenceClassification

    from benchmarks.settings import LABELS
    from benchmarks.systems.base import same_classifier

    out_dir.mkdir(parents=True, exist_ok=True)
    model = BertForSequenceClassification.from_pretrained(str(model_dir), num_labels=len(LABELS))
    same_classifier(model.classifier, len(LABELS), model.config.hidden_size)
    model.config.return_dict = False
    model.eval()
    exported = out_dir / "model_exported.onnx"
    example = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (example, example, torch.zeros_like(example)),
            str(exported),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "logits": {0: "batch"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
        )
    # The optimizer and quantizer log every fused node at INFO.
    logging.getLogger("onnxruntime").setLevel(logging.WARNING)
    optimized = optimize_model(
        str(exported),
        model_type="bert",
        num_heads=model.config.num_attention_heads,
        hidden_size=model.config.hidden_size,
    )
    fp32_path = out_dir / FP32_FILE
    optimized.save_model_to_file(str(fp32_path))
    int8_path = out_dir / INT8_FILE
    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    exported.unlink()
    return {
        "fp32": str(fp32_path),
        "int8": str(int8_path),
        "fused_operators": optimized.get_fused_operator_statistics(),
        "opset": OPSET,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
