"""
`benchmarks.speed_memory`, the run's orchestration: the round-robin order, and a parent
process that imports none of the libraries under test.
"""

import json
import subprocess
import sys

from benchmarks import speed_memory
from tests.paths import PROJECT_ROOT


def test_round_robin_order_rotates():
    systems = ["a", "b", "c"]
    assert [speed_memory.rotated(systems, rep) for rep in range(4)] == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
    ]


def test_the_parent_process_imports_no_library_under_test():
    # A worker's ru_maxrss starts at its parent's peak RSS, so the parent must stay small.
    heavy = ["torch", "transformers", "allennlp", "bert_cls", "numpy", "safetensors"]
    code = (
        "import json, sys\n"
        "import benchmarks.speed_memory, benchmarks.predict_memory\n"
        f"print(json.dumps([name for name in {heavy!r} if name in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
