"""
`benchmarks.blas` and `benchmarks.gemm`: each worker's BLAS environment, the MKL code path a
process reports, and every GEMM path on tiny shapes.
"""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import blas, gemm
from tests.paths import PROJECT_ROOT

BASE = {"PATH": "/bin", "MKL_DEBUG_CPU_TYPE": "4", "BERT_CLS_FAST_BLAS": "1"}


def test_own_default_leaves_neither_variable():
    env = blas.blas_environment(blas.OWN_DEFAULT, BASE, "5")
    assert env == {"PATH": "/bin"}


def test_as_shipped_turns_bert_cls_s_switch_off_and_unsets_mkl_s_variable():
    env = blas.blas_environment(blas.AS_SHIPPED, BASE, "5")
    assert env == {"PATH": "/bin", "BERT_CLS_FAST_BLAS": "0"}


def test_bert_cls_setting_is_the_value_bert_cls_sets_or_none():
    assert blas.blas_environment(blas.BERT_CLS_SETTING, BASE, "5") == {
        "PATH": "/bin",
        "MKL_DEBUG_CPU_TYPE": "5",
    }
    assert blas.blas_environment(blas.BERT_CLS_SETTING, BASE, None) == {"PATH": "/bin"}
    assert BASE["MKL_DEBUG_CPU_TYPE"] == "4"  # the given environment is not changed


def test_an_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="unknown BLAS setting 'fast'"):
        blas.blas_environment("fast", BASE, None)


def code_path_of_a_process(env_update):
    code = (
        "import json, torch\n"
        "from benchmarks.blas import worker_blas_info\n"
        "torch.mm(torch.ones(64, 64), torch.ones(64, 64))\n"
        "print(json.dumps(worker_blas_info()))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MKL_DEBUG_CPU_TYPE",)}
    env.update(env_update)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_a_process_reports_the_mkl_code_path_its_environment_chose():
    shipped = code_path_of_a_process({})
    forced = code_path_of_a_process({"MKL_DEBUG_CPU_TYPE": "5"})
    assert shipped["MKL_DEBUG_CPU_TYPE"] is None and forced["MKL_DEBUG_CPU_TYPE"] == "5"
    if forced["mkl_code_path"] is None:
        pytest.skip("this torch does not export mkl_serv_cpu_detect")
    assert forced["mkl_code_path"] == 5


def test_every_gemm_path_measures_every_shape():
    shapes = {"mm 32x48x16": (32, 48, 16), "linear 32x16 -> 8": (32, 8, 16)}
    results = gemm.gemm_gflops(gemm.PATHS, repeats=2, shapes=shapes)
    assert set(results) == set(gemm.PATHS)
    for by_shape in results.values():
        assert set(by_shape) == set(shapes)
        assert all(value > 0 for value in by_shape.values())


def test_an_unknown_gemm_path_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown GEMM paths.*numpy"):
        gemm.gemm_gflops(["cuBLAS"])
