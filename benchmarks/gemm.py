"""
The GEMM probe: this machine's fp32 matrix-product throughput, with the worker's threads, on
each BLAS path a PyTorch program can take here; the best of them is the reference that useful
GFLOP/s are divided by.

Paths (`PATHS`), each run on the same shapes:

- `TORCH_MKL`: `torch.mm` / `torch.nn.functional.linear`, in the MKL torch bundles, with the
  worker's `MKL_DEBUG_CPU_TYPE` as it is: as shipped in one worker, with `MKL_DEBUG_CPU_TYPE=5`
  (set before the process's first product) in another (`benchmarks.speed_memory`);
- `ONEDNN`: oneDNN's Linear (`torch.utils.mkldnn.to_mkldnn`), on oneDNN tensors, so that no
  layout conversion is timed;
- `NUMPY`: numpy's matrix product (the OpenBLAS its wheels bundle), `OPENBLAS_NUM_THREADS` from
  the worker's environment.
"""

import time
from typing import Callable, Dict, Mapping, Sequence, Tuple

from benchmarks.flops import matmul_flops

TORCH_MKL = "torch (MKL)"
ONEDNN = "oneDNN Linear (torch.utils.mkldnn)"
NUMPY = "numpy (OpenBLAS)"
PATHS = (TORCH_MKL, ONEDNN, NUMPY)

# name: (m, n, k) of an (m x k) @ (k x n) product. The Linear shapes are a batch of 32 x 128
# tokens through MiniLM's feed-forward layers; the 2048 product is the usual square probe.
SHAPES = {
    "mm 1024x1024x1024": (1024, 1024, 1024),
    "mm 2048x2048x2048": (2048, 2048, 2048),
    "linear 4096x384 -> 1536": (4096, 1536, 384),
    "linear 4096x1536 -> 384": (4096, 384, 1536),
}


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """The shortest of `repeats` timed calls of `run`, after two untimed ones."""
    run()
    run()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _torch_mkl(m: int, n: int, k: int, linear: bool) -> Callable[[], object]:
    import torch
    import torch.nn.functional as F

    a = torch.randn(m, k)
    if linear:
        weight, bias = torch.randn(n, k), torch.randn(n)
        return lambda: F.linear(a, weight, bias)
    b = torch.randn(k, n)
    return lambda: torch.mm(a, b)


def _onednn(m: int, n: int, k: int, linear: bool) -> Callable[[], object]:
    import torch
    from torch.utils.mkldnn import to_mkldnn

    module = to_mkldnn(torch.nn.Linear(k, n, bias=linear))
    a = torch.randn(m, k).to_mkldnn()
    return lambda: module(a)


def _numpy(m: int, n: int, k: int, linear: bool) -> Callable[[], object]:
    import numpy

    generator = numpy.random.default_rng(0)
    a = generator.standard_normal((m, k), dtype=numpy.float32)
    b = generator.standard_normal((k, n), dtype=numpy.float32)
    return lambda: a @ b


_BUILDERS = {TORCH_MKL: _torch_mkl, ONEDNN: _onednn, NUMPY: _numpy}


def gemm_gflops(
    paths: Sequence[str] = (TORCH_MKL,),
    repeats: int = 10,
    shapes: Mapping[str, Tuple[int, int, int]] = SHAPES,
) -> Dict[str, Dict[str, float]]:
    """
    Best-of-`repeats` fp32 GFLOP/s of each of `shapes` (names starting with "linear" are
    Linear layers with a bias on the torch paths) on each of `paths` (names from `PATHS`), as
    `{path: {shape: GFLOP/s}}`. Raises a `ValueError` for an unknown path.
    """
    import torch

    unknown = [path for path in paths if path not in _BUILDERS]
    if unknown:
        raise ValueError(f"unknown GEMM paths {unknown}; the paths are {', '.join(PATHS)}")
    results: Dict[str, Dict[str, float]] = {}
    with torch.no_grad():
        for path in paths:
            results[path] = {}
            for name, (m, n, k) in shapes.items():
                run = _BUILDERS[path](m, n, k, linear=name.startswith("linear"))
                seconds = best_seconds(run, repeats)
                results[path][name] = matmul_flops(m, n, k) / seconds / 1e9
    return results
