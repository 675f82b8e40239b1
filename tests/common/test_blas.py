import os
import subprocess
import sys

import pytest

from bert_cls.common import blas
from bert_cls.common.blas import MKL_CPU_TYPE_VARIABLE, SWITCH_VARIABLE, mkl_cpu_type, use_fast_blas

AMD_AVX2 = "vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 fma avx512f\n"
AMD_NO_AVX2 = "vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx\n"
INTEL = "vendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx avx2 fma\n"


def choose(tmp_path, cpuinfo: str, environ: dict):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    return use_fast_blas(environ, path)


def test_sets_the_variable_on_an_amd_processor_with_avx2(tmp_path):
    environ = {}
    choice = choose(tmp_path, AMD_AVX2, environ)
    assert environ == {MKL_CPU_TYPE_VARIABLE: "5"}
    assert choice.set_variable


@pytest.mark.parametrize(
    "cpuinfo", [INTEL, AMD_NO_AVX2, ""], ids=["intel", "amd-without-avx2", "unknown"]
)
def test_leaves_mkl_as_shipped_elsewhere(tmp_path, cpuinfo):
    environ = {}
    choice = choose(tmp_path, cpuinfo, environ)
    assert environ == {}
    assert not choice.set_variable


def test_the_switch_turns_it_off(tmp_path):
    environ = {SWITCH_VARIABLE: "0"}
    choice = choose(tmp_path, AMD_AVX2, environ)
    assert environ == {SWITCH_VARIABLE: "0"}
    assert not choice.set_variable
    assert SWITCH_VARIABLE in choice.reason


def test_a_value_the_user_set_is_kept(tmp_path):
    environ = {MKL_CPU_TYPE_VARIABLE: "2"}
    choice = choose(tmp_path, AMD_AVX2, environ)
    assert environ == {MKL_CPU_TYPE_VARIABLE: "2"}
    assert not choice.set_variable


def test_no_mkl_means_no_change(tmp_path, monkeypatch):
    monkeypatch.setattr(blas.torch.backends.mkl, "is_available", lambda: False)
    environ = {}
    assert not choose(tmp_path, AMD_AVX2, environ).set_variable
    assert environ == {}


def this_machine_takes_the_fast_path() -> bool:
    vendor, flags = blas._cpu_vendor_and_flags()
    return vendor == "AuthenticAMD" and {"avx2", "fma"} <= flags and mkl_cpu_type() is not None


def mkl_path_in_a_new_python(code: str, **environ) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != MKL_CPU_TYPE_VARIABLE}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


PRINT_PATH = (
    "import logging; logging.basicConfig(level=logging.INFO)\n"
    "{before}import bert_cls\n"
    "from bert_cls.common.blas import mkl_cpu_type; print(mkl_cpu_type())"
)


@pytest.mark.skipif(
    not this_machine_takes_the_fast_path(),
    reason="needs an AMD processor with AVX2 and torch's MKL",
)
def test_importing_bert_cls_puts_mkl_on_its_avx2_path():
    result = mkl_path_in_a_new_python(PRINT_PATH.format(before=""))
    assert result.stdout.split()[-1] == "5"
    assert "MKL takes its AVX2 code path" in result.stderr

    result = mkl_path_in_a_new_python(PRINT_PATH.format(before=""), **{SWITCH_VARIABLE: "0"})
    assert result.stdout.split()[-1] == "0"
    assert "MKL as shipped" in result.stderr


@pytest.mark.skipif(
    not this_machine_takes_the_fast_path(),
    reason="needs an AMD processor with AVX2 and torch's MKL",
)
def test_too_late_is_detected_and_said():
    before = "import torch; torch.ones(4, 4) @ torch.ones(4, 4)\n"
    result = mkl_path_in_a_new_python(PRINT_PATH.format(before=before))
    assert result.stdout.split()[-1] == "0"
    assert "WARNING" in result.stderr and "before starting Python" in result.stderr
