"""
Choosing MKL's fast code path on AMD processors.

PyTorch's CPU matrix products (`torch.nn.Linear`, `torch.bmm`, `torch.baddbmm`) run in the MKL that
torch bundles. MKL picks its kernels by processor vendor: on a processor that is not Intel's it
takes a generic code path, several times slower than the AVX2 one on a modern AMD processor, unless
the environment variable `MKL_DEBUG_CPU_TYPE=5` is set before MKL's first call (MKL 2020.0 and
earlier honour it; later releases ignore it). MKL decides once per process, at its first call, so
the variable must be in the environment before the first matrix product.

`use_fast_blas`, called when `bert_cls` is imported, sets `MKL_DEBUG_CPU_TYPE=5` when all of these
hold, and logs one line saying which path MKL uses:

- `BERT_CLS_FAST_BLAS` is not `0` (the switch to turn this off);
- `MKL_DEBUG_CPU_TYPE` is not already set (a value the user set is left as it is);
- torch was built with MKL;
- the processor is AMD's (`vendor_id` `AuthenticAMD` in `/proc/cpuinfo`) and has AVX2 and FMA,
  which the forced code path uses (on Intel processors MKL already takes its fast path, and the
  variable would slow it down).

Whether it took effect is read back from MKL itself (`mkl_serv_cpu_detect`, the code path MKL has
chosen, exported by torch's `libtorch_cpu`): when MKL was already used before `bert_cls` was
imported, the variable comes too late, and a warning says how to set it instead. The variable is
inherited by child processes (AllenNLP's distributed workers, data loader workers).
"""

import ctypes
import logging
import os
from pathlib import Path
from typing import NamedTuple, Optional, Set, Tuple

import torch

logger = logging.getLogger(__name__)

MKL_CPU_TYPE_VARIABLE = "MKL_DEBUG_CPU_TYPE"
# MKL's code path for AVX2 processors.
MKL_AVX2_CPU_TYPE = "5"
SWITCH_VARIABLE = "BERT_CLS_FAST_BLAS"
CPUINFO = Path("/proc/cpuinfo")


class BlasChoice(NamedTuple):
    """What `use_fast_blas` decided: whether it set the variable, MKL's code path, and why."""

    set_variable: bool
    mkl_cpu_type: Optional[int]
    reason: str


def _cpu_vendor_and_flags(cpuinfo: Path = CPUINFO) -> Tuple[str, Set[str]]:
    """The first processor's `vendor_id` and `flags` in `/proc/cpuinfo`; empty when unreadable."""
    vendor, flags = "", set()  # type: str, Set[str]
    try:
        lines = cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return vendor, flags
    for line in lines:
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "vendor_id" and not vendor:
            vendor = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
        if vendor and flags:
            break
    return vendor, flags


def mkl_cpu_type() -> Optional[int]:
    """
    The code path MKL has chosen for this process (0 is the generic one, 5 the AVX2 one), as
    `mkl_serv_cpu_detect` reports it; `None` when torch does not export it. The first call fixes
    MKL's choice, as a first matrix product does.
    """
    library = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    try:
        detect = ctypes.CDLL(str(library)).mkl_serv_cpu_detect
    except (OSError, AttributeError):
        return None
    detect.restype = ctypes.c_int
    return int(detect())


def use_fast_blas(environ=os.environ, cpuinfo: Path = CPUINFO) -> BlasChoice:
    """Sets `MKL_DEBUG_CPU_TYPE=5` where it makes MKL faster (see the module doc); logs it."""
    choice = _choose(environ, cpuinfo)
    if choice.set_variable and choice.mkl_cpu_type not in (None, int(MKL_AVX2_CPU_TYPE)):
        logger.warning(
            "BLAS: MKL took its generic code path although bert_cls set %s=%s: MKL was already "
            "used in this process before bert_cls was imported (or this MKL ignores the "
            "variable). Set %s=%s in the environment before starting Python, or import bert_cls "
            "before any matrix product, for the fast path.",
            MKL_CPU_TYPE_VARIABLE,
            MKL_AVX2_CPU_TYPE,
            MKL_CPU_TYPE_VARIABLE,
            MKL_AVX2_CPU_TYPE,
        )
    else:
        logger.info("BLAS: %s", choice.reason)
    return choice


def _choose(environ, cpuinfo: Path) -> BlasChoice:
    if environ.get(SWITCH_VARIABLE, "1").strip() == "0":
        return BlasChoice(False, None, f"MKL as shipped ({SWITCH_VARIABLE}=0).")
    if MKL_CPU_TYPE_VARIABLE in environ:
        cpu_type = mkl_cpu_type()
        return BlasChoice(
            False,
            cpu_type,
            f"{MKL_CPU_TYPE_VARIABLE}={environ[MKL_CPU_TYPE_VARIABLE]} was already set in the "
            f"environment; left as it is (MKL code path {cpu_type}).",
        )
    if not torch.backends.mkl.is_available():
        return BlasChoice(False, None, "torch has no MKL; its BLAS is used as it is.")
    vendor, flags = _cpu_vendor_and_flags(cpuinfo)
    if vendor != "AuthenticAMD":
        return BlasChoice(False, None, f"MKL as shipped (processor vendor {vendor or 'unknown'}).")
    if not {"avx2", "fma"} <= flags:
        return BlasChoice(False, None, "MKL as shipped (this AMD processor has no AVX2/FMA).")
    environ[MKL_CPU_TYPE_VARIABLE] = MKL_AVX2_CPU_TYPE
    cpu_type = mkl_cpu_type()
    if cpu_type is None:
        reason = (
            f"set {MKL_CPU_TYPE_VARIABLE}={MKL_AVX2_CPU_TYPE} for MKL's AVX2 code path on this AMD "
            f"processor (not verified: this torch does not export mkl_serv_cpu_detect); "
            f"{SWITCH_VARIABLE}=0 turns it off."
        )
    else:
        reason = (
            f"set {MKL_CPU_TYPE_VARIABLE}={MKL_AVX2_CPU_TYPE}: MKL takes its AVX2 code path on "
            f"this AMD processor (mkl_serv_cpu_detect = {cpu_type}); "
            f"{SWITCH_VARIABLE}=0 turns it off."
        )
    return BlasChoice(True, cpu_type, reason)
