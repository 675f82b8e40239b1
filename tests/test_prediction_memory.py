"""
`allennlp predict`'s peak memory does not grow with the number of input lines: AllenNLP reads
the input lazily and writes each output as it is predicted, and the predictor keeps nothing
per line. Measured with `benchmarks/predict_memory.py` (which also prints the figures).
"""
import importlib.util

import pytest

from tests.cli import train
from tests.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location(
    "predict_memory", PROJECT_ROOT / "benchmarks" / "predict_memory.py"
)
predict_memory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(predict_memory)  # type: ignore[union-attr]


def test_peak_memory_of_predict_does_not_grow_with_the_input(tmp_path):
    train(tmp_path / "run")
    figures = predict_memory.measure(tmp_path / "run" / "model.tar.gz", [1000, 20000], tmp_path)
    print(figures)
    assert figures[1000]["outputs"] == 1000
    assert figures[20000]["outputs"] == 20000
    # Measured: 429.2 and 428.7 MB. Keeping one output dict per line would add about 23 MB.
    growth = figures[20000]["peak_rss_mb"] - figures[1000]["peak_rss_mb"]
    assert growth < 10, figures
