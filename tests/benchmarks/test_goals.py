"""
`benchmarks.goals`: the goal logic on synthetic numbers (no timing, no model), and the goals
table's rows (`benchmarks.report.goal_rows`) for goals that could not be judged.
"""

import pytest

from benchmarks import goals as benchmark_goals
from benchmarks.report import goal_rows
from benchmarks.systems import HF_FAST_BLAS, ORT_FP32, ORT_INT8
from tests.benchmarks.summaries import BERT_CLS, HF, INT8, synthetic_summary


def goals_by_name(summary, accuracy, max_drop=0.01):
    results = benchmark_goals.evaluate_goals(
        summary, accuracy, benchmark_goals.default_goals(max_drop)
    )
    return {result["goal"]: result for result in results}


def test_goals_are_computed_from_the_measurements():
    accuracy = {"fp32": 0.97, "int8": 0.965, "examples": 887}
    goals = goals_by_name(synthetic_summary(), accuracy)
    short = goals["fp32 inference, short texts, vs ORT optimized fp32"]
    assert short["measured"] == pytest.approx(1.2) and short["met"] == "yes"
    assert short["reference_system"] == ORT_FP32 and short["path"] == BERT_CLS
    long = goals["fp32 inference, long texts, vs ORT optimized fp32"]
    assert long["measured"] == pytest.approx(21.0 / 20.5) and long["met"] == "yes"
    int8_short = goals["int8 inference, short texts, vs ORT int8"]
    assert int8_short["measured"] == pytest.approx(500 / 520) and int8_short["met"] == "no"
    assert int8_short["reference_system"] == ORT_INT8
    int8_long = goals["int8 inference, long texts, vs ORT int8"]
    assert int8_long["measured"] == pytest.approx(1.2) and int8_long["met"] == "yes"
    gemm = goals["fp32 long-text inference, useful GFLOP/s / best GEMM GFLOP/s"]
    assert gemm["measured"] == pytest.approx(0.8) and gemm["met"] == "yes"
    # Against the peers with bert_cls's BLAS only: AllenNLP as shipped (4.8) is not one.
    training = goals["training, vs fastest peer with bert_cls's BLAS"]
    assert training["measured"] == pytest.approx(5.0 / 4.5) and training["met"] == "yes"
    assert training["reference_system"] == HF_FAST_BLAS
    inference_memory = goals["peak inference RSS, vs HF transformers"]
    assert inference_memory["measured"] == pytest.approx(500 / 450)
    assert inference_memory["met"] == "no" and inference_memory["reference_system"] == HF
    memory = goals["peak training RSS, vs lowest peer"]
    assert memory["measured"] == pytest.approx(0.9) and memory["met"] == "yes"
    drop = goals["test accuracy, int8 vs fp32 (drop at most)"]
    assert drop["measured"] == pytest.approx(0.005) and drop["met"] == "yes"
    assert goals_by_name(synthetic_summary(), accuracy, max_drop=0.001)[drop["goal"]]["met"] == "no"


def test_memory_goal_fails_above_the_lowest_peer():
    summary = synthetic_summary()
    summary[BERT_CLS]["rss_train_mb"] = 1000.5
    result = goals_by_name(summary, None)["peak training RSS, vs lowest peer"]
    assert result["met"] == "no" and result["reference_system"] == HF


def test_a_goal_the_default_misses_is_met_by_another_bert_cls_path_that_says_so():
    summary = synthetic_summary()
    summary["bert_cls other int8"] = {"infer_short_eps": 600.0}
    goal = benchmark_goals.Goal(
        "int8 short",
        INT8,
        "infer_short_eps",
        "peer_ratio",
        1.0,
        reference=(ORT_INT8,),
        alternatives=("bert_cls missing int8", "bert_cls other int8"),
    )
    result = benchmark_goals.evaluate_goal(goal, summary, None)
    assert result["met"] == "yes" and result["path"] == "bert_cls other int8"
    assert result["measured"] == pytest.approx(600 / 520)
    assert result["default_path"]["met"] == "no"
    assert result["default_path"]["measured"] == pytest.approx(500 / 520)
    assert "met by bert_cls other int8" in result["detail"]
    assert goal_rows([result])[0][3] == "yes (bert_cls other int8)"
    # When the default meets it, the default is what the goal reports.
    summary[INT8]["infer_short_eps"] = 530.0
    result = benchmark_goals.evaluate_goal(goal, summary, None)
    assert result["path"] == INT8 and "default_path" not in result


def test_missing_measurements_are_not_met_but_said_why():
    summary = synthetic_summary()
    summary[INT8] = {"unavailable": "ImportError: no quantization"}
    del summary[ORT_FP32]
    goals = goals_by_name(summary, {"skipped": "no --archive given"})
    int8 = goals["int8 inference, short texts, vs ORT int8"]
    assert int8["met"] == "n/a" and "ImportError" in int8["detail"]
    fp32 = goals["fp32 inference, short texts, vs ORT optimized fp32"]
    assert fp32["met"] == "n/a" and ORT_FP32 in fp32["detail"]
    accuracy = goals["test accuracy, int8 vs fp32 (drop at most)"]
    assert accuracy["met"] == "n/a" and "no --archive" in accuracy["detail"]
    rows = goal_rows(list(goals.values()))
    expected = ["n/a"] * 5 + ["yes", "yes", "no", "yes"]
    assert [row[3] for row in rows] == expected
    assert rows[8][2] == "<= 1.00x" and rows[0][2] == ">= 1.20x"
    assert rows[5][2] == ">= 80%"


def test_an_unknown_goal_kind_is_refused():
    goal = benchmark_goals.Goal("odd", BERT_CLS, "train_eps", "median", 1.0)
    with pytest.raises(ValueError, match="unknown goal kind 'median'"):
        benchmark_goals.evaluate_goal(goal, synthetic_summary(), None)
