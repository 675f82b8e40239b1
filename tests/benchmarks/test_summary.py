"""
`benchmarks.summary`: the best peer, and medians and GEMM fractions from synthetic raw
measurements (no timing, no model).
"""

import pytest

from benchmarks import summary as summaries
from benchmarks.flops import BertDims, example_forward_flops
from tests.benchmarks.summaries import ALLENNLP, BERT_CLS, HF, INT8, synthetic_summary


def test_best_peer_is_the_fastest_or_the_smallest_of_hf_and_allennlp():
    summary = synthetic_summary()
    assert summaries.best_peer(summary, "infer_short_eps") == (ALLENNLP, 200.0)
    assert summaries.best_peer(summary, "infer_long_eps") == (HF, 20.0)
    assert summaries.best_peer(summary, "rss_train_mb", higher_is_better=False) == (HF, 1000.0)
    # bert_cls itself is never its own reference, even when it is the best.
    assert summaries.best_peer(summary, "train_eps") == (ALLENNLP, 4.8)
    assert summaries.best_peer({BERT_CLS: {"x": 1.0}}, "x") == (None, None)


def test_summary_takes_medians_and_divides_by_the_gemm_reference():
    dims = BertDims(hidden=4, intermediate=8, layers=2, num_labels=2)
    flops_10 = example_forward_flops(10, dims)
    raw = {
        "inference": {
            BERT_CLS: {
                "lengths": {"short": [10, 10], "long": [10, 10]},
                "reps": {
                    "short": [{"seconds": s, "examples": 2} for s in (1.0, 4.0, 2.0)],
                    "long": [{"seconds": 1.0, "examples": 2}],
                },
                "peak_rss_kb": 2048 * 1024,
            },
            INT8: {"unavailable": "ImportError"},
        },
        "training": {
            BERT_CLS: {
                "reps": [{"seconds": 2.0, "examples": 2, "lengths": [[10, 10]]}],
                "peak_rss_kb": 3072 * 1024,
            },
        },
        "training_mmap_threshold": {
            BERT_CLS: {"steps": 3, "peak_rss_kb": 1536 * 1024},
            INT8: {"unavailable": "ImportError"},
        },
    }
    summary = summaries.summarize(raw, dims, gemm_gflops=2 * flops_10 / 1e9)
    entry = summary[BERT_CLS]
    assert entry["infer_short_eps"] == pytest.approx(1.0)  # median of 2/1, 2/4, 2/2
    assert entry["infer_long_gflops"] == pytest.approx(2 * flops_10 / 1e9)
    assert entry["infer_long_gemm_fraction"] == pytest.approx(1.0)
    assert entry["train_eps"] == pytest.approx(1.0)
    assert entry["train_gemm_fraction"] == pytest.approx(1.5)  # 3 * 2 * flops / 2 s
    assert entry["rss_infer_mb"] == 2048 and entry["rss_train_mb"] == 3072
    assert entry["rss_train_mmap_mb"] == 1536
    assert summary[INT8] == {"unavailable": "ImportError"}
