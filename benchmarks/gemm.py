"""
The GEMM probe: this machine's fp32 matrix-product throughput with the worker's torch threads,
the reference that useful GFLOP/s are divided by.
"""

import time
from typing import Dict

import torch
import torch.nn.functional as F

from benchmarks.flops import matmul_flops

# name: (m, n, k) of an (m x k) @ (k x n) product. The Linear shapes are a batch of 32 x 128
# tokens through MiniLM's feed-forward layers.
SHAPES = {
    "mm 1024x1024x1024": (1024, 1024, 1024),
    "linear 4096x384 -> 1536": (4096, 1536, 384),
    "linear 4096x1536 -> 384": (4096, 384, 1536),
}


def gemm_gflops(repeats: int = 10) -> Dict[str, float]:
    """Best-of-`repeats` fp32 GFLOP/s of each of `SHAPES`, after two untimed runs."""
    results = {}
    with torch.no_grad():
        for name, (m, n, k) in SHAPES.items():
            a = torch.randn(m, k)
            if name.startswith("mm"):
                b = torch.randn(k, n)
                run = lambda: torch.mm(a, b)  # noqa: E731
            else:
                weight, bias = torch.randn(n, k), torch.randn(n)
                run = lambda: F.linear(a, weight, bias)  # noqa: E731
            run()
            run()
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - start)
            results[name] = matmul_flops(m, n, k) / best / 1e9
    return results
