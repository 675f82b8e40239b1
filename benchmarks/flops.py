"""
The FLOP model: useful matmul FLOPs of a BERT classifier over real tokens only.
"""

from dataclasses import dataclass
from typing import Any, Dict, Sequence


@dataclass(frozen=True)
class BertDims:
    hidden: int
    intermediate: int
    layers: int
    num_labels: int

    @classmethod
    def from_config(cls, config: Dict[str, Any], num_labels: int) -> "BertDims":
        """From a Hugging Face BERT `config.json`, read as a dict."""
        return cls(
            config["hidden_size"],
            config["intermediate_size"],
            config["num_hidden_layers"],
            num_labels,
        )


def matmul_flops(m: int, n: int, k: int) -> int:
    """FLOPs of an (m x k) @ (k x n) product: one multiply and one add per term."""
    return 2 * m * n * k


def encoder_layer_flops(length: int, hidden: int, intermediate: int) -> int:
    """
    Matmul FLOPs of one BERT layer over `length` real tokens: the query, key and value
    projections, Q K^T and A V over length x length (all heads together span `hidden`), the
    attention output projection and the two feed-forward layers. Softmax, GELU, layer norms,
    biases and residual additions are not counted.
    """
    projections = 3 * matmul_flops(length, hidden, hidden)
    scores = matmul_flops(length, length, hidden)  # Q K^T
    mixing = matmul_flops(length, hidden, length)  # A V
    output = matmul_flops(length, hidden, hidden)
    feed_forward = matmul_flops(length, intermediate, hidden) + matmul_flops(
        length, hidden, intermediate
    )
    return projections + scores + mixing + output + feed_forward


def cls_layer_flops(length: int, hidden: int, intermediate: int) -> int:
    """
    Matmul FLOPs of the last BERT layer that the pooled output needs: the pooler reads the
    [CLS] position only, and in a layer only attention mixes positions, so it needs the key
    and value projections over all `length` tokens, and everything else for [CLS] alone.
    """
    keys_and_values = 2 * matmul_flops(length, hidden, hidden)
    cls_query = matmul_flops(1, hidden, hidden)
    scores = matmul_flops(1, length, hidden)
    mixing = matmul_flops(1, hidden, length)
    output = matmul_flops(1, hidden, hidden)
    feed_forward = matmul_flops(1, intermediate, hidden) + matmul_flops(1, hidden, intermediate)
    return keys_and_values + cls_query + scores + mixing + output + feed_forward


def example_forward_flops(length: int, dims: BertDims) -> int:
    """
    Useful forward matmul FLOPs for one example: every layer but the last over all real tokens,
    the last as the pooled output needs it (`cls_layer_flops`), the pooler and the classifier.
    Work a system does beyond this (on padding, or on last-layer positions the pooler never
    reads) is not useful and not counted.
    """
    encoder = (dims.layers - 1) * encoder_layer_flops(length, dims.hidden, dims.intermediate)
    last = cls_layer_flops(length, dims.hidden, dims.intermediate)
    pooler = matmul_flops(1, dims.hidden, dims.hidden)
    classifier = matmul_flops(1, dims.num_labels, dims.hidden)
    return encoder + last + pooler + classifier


def useful_flops(lengths: Sequence[int], dims: BertDims, training: bool = False) -> int:
    """
    FLOPs over real tokens only (no padding) of a set of examples; a training step counts
    3x the forward (each matmul's backward is two matmuls of the same size: input and weight
    gradients).
    """
    forward = sum(example_forward_flops(length, dims) for length in lengths)
    return 3 * forward if training else forward
