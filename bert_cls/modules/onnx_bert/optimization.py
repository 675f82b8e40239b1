"""
ONNX Runtime's own tools on an exported BERT graph (`graph.export_logits_graph`): its
transformers optimizer, which fuses BERT's operators into ONNX Runtime's BERT kernels, and its
dynamic int8 quantization.
"""

from pathlib import Path
from typing import Dict

from bert_cls.modules.onnx_bert.dependencies import import_onnx


def optimize_bert_graph(
    source: Path, destination: Path, num_heads: int, hidden_size: int
) -> Dict[str, int]:
    """
    Runs `onnxruntime.transformers.optimizer.optimize_model(..., model_type="bert")` on the
    ONNX file `source` and writes the result to `destination`: embeddings and their layer norm
    become `EmbedLayerNormalization`, each self-attention (but the last layer's, which has one
    query) `Attention`, each residual addition and layer norm `SkipLayerNormalization`, each
    bias and GELU `BiasGelu`. The same function up to float rounding. Returns how many of each
    fused operator the graph now has (those with none left out).
    """
    import_onnx()
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(source), model_type="bert", num_heads=num_heads, hidden_size=hidden_size
    )
    optimized.save_model_to_file(str(destination))
    statistics = optimized.get_fused_operator_statistics()
    return {operator: count for operator, count in statistics.items() if count}


def quantize_graph_int8(source: Path, destination: Path) -> None:
    """
    Writes to `destination` the ONNX file `source` with ONNX Runtime's dynamic int8
    quantization (`onnxruntime.quantization.quantize_dynamic`: signed int8 weights with one
    scale per output channel, activations quantized on the fly), applied to every operator type
    it quantizes by default (matrix products, fused attention, the embedding lookups).
    `DefaultTensorType` float32 lets it quantize the optimizer's fused graph, whose outputs
    it cannot always type by itself.
    """
    onnx, _ = import_onnx()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(destination),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
