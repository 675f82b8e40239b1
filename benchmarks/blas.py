"""
The BLAS setting of each worker process: which code path the MKL bundled with torch takes.

torch 1.12's MKL takes a slow generic code path on processors that are not Intel's unless
`MKL_DEBUG_CPU_TYPE=5` is in the environment before its first call; bert_cls sets it when it is
imported where that helps (`bert_cls.common.blas`, turned off by `BERT_CLS_FAST_BLAS=0`). A
worker's setting is one of:

- `OWN_DEFAULT`: neither variable set; the system does what it does by itself (bert_cls sets
  `MKL_DEBUG_CPU_TYPE` itself; the other systems get MKL as shipped);
- `AS_SHIPPED`: `MKL_DEBUG_CPU_TYPE` unset and `BERT_CLS_FAST_BLAS=0`: MKL as torch ships it,
  whatever the system;
- `BERT_CLS_SETTING`: `MKL_DEBUG_CPU_TYPE` as bert_cls sets it on this machine (the "prepare"
  worker imports bert_cls in a clean environment and reports it), for systems that do not import
  bert_cls: the same BLAS path as bert_cls's default.

Each worker reports the code path MKL took (`mkl_code_path`), so the tables show what each
system really ran with. This module imports nothing heavy: the parent process uses it.
"""

from typing import Dict, Optional

MKL_CPU_TYPE_VARIABLE = "MKL_DEBUG_CPU_TYPE"
FAST_BLAS_SWITCH = "BERT_CLS_FAST_BLAS"  # bert_cls's switch (bert_cls.common.blas)
MKL_AVX2_CPU_TYPE = "5"

OWN_DEFAULT = "own default"
AS_SHIPPED = "MKL as shipped"
BERT_CLS_SETTING = "bert_cls's setting"
SETTINGS = (OWN_DEFAULT, AS_SHIPPED, BERT_CLS_SETTING)


def blas_environment(
    setting: str, env: Dict[str, str], bert_cls_mkl_cpu_type: Optional[str]
) -> Dict[str, str]:
    """
    A copy of `env` for a worker with BLAS `setting` (one of `SETTINGS`). `bert_cls_mkl_cpu_type`
    is the `MKL_DEBUG_CPU_TYPE` value bert_cls sets on this machine (`None`: it sets none).
    Raises a `ValueError` for an unknown setting.
    """
    if setting not in SETTINGS:
        raise ValueError(f"unknown BLAS setting {setting!r}; the settings are {SETTINGS}")
    env = {k: v for k, v in env.items() if k not in (MKL_CPU_TYPE_VARIABLE, FAST_BLAS_SWITCH)}
    if setting == AS_SHIPPED:
        env[FAST_BLAS_SWITCH] = "0"
    elif setting == BERT_CLS_SETTING and bert_cls_mkl_cpu_type is not None:
        env[MKL_CPU_TYPE_VARIABLE] = bert_cls_mkl_cpu_type
    return env


def mkl_code_path() -> Optional[int]:
    """
    The code path MKL has chosen in this process (`mkl_serv_cpu_detect` of torch's
    `libtorch_cpu`: 0 the generic one, 5 the AVX2 one); `None` where torch does not export it.
    Read independently of bert_cls, so that a worker of another system need not import it. The
    first call fixes MKL's choice, as a first matrix product does: call it after the system's
    first product.
    """
    import ctypes
    from pathlib import Path

    import torch

    try:
        library = ctypes.CDLL(str(Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"))
        detect = library.mkl_serv_cpu_detect
    except (OSError, AttributeError):
        return None
    detect.restype = ctypes.c_int
    return int(detect())


def worker_blas_info() -> Dict[str, Optional[object]]:
    """What a worker records about its BLAS: both variables as it sees them, and MKL's path."""
    import os

    return {
        MKL_CPU_TYPE_VARIABLE: os.environ.get(MKL_CPU_TYPE_VARIABLE),
        FAST_BLAS_SWITCH: os.environ.get(FAST_BLAS_SWITCH),
        "mkl_code_path": mkl_code_path(),
    }
