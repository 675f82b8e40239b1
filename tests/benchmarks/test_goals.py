"""
`benchmarks.goals`: the goal logic on synthetic numbers (no timing, no model), and the goals
table's rows (`benchmarks.report.goal_rows`) for goals that could not be judged.
"""

import pytest

from benchmarks import goals as benchmark_goals
from benchmarks.report import goal_rows
from tests.benchmarks.summaries import ALLENNLP, BERT_CLS, HF, INT8, synthetic_summary


def goals_by_name(summary, accuracy, max_drop=0.01):
    results = benchmark_goals.evaluate_goals(
        summary, accuracy, benchmark_goals.default_goals(max_drop)
    )
    return {result["goal"]: result for result in results}


def test_goals_are_computed_from_the_measurements():
    accuracy = {"fp32": 0.97, "int8": 0.965, "examples": 887}
    goals = goals_by_name(synthetic_summary(), accuracy)
    short = goals["fp32 inference, short texts, vs fastest peer"]
    assert short["measured"] == pytest.approx(1.5) and short["met"] == "yes"
    assert short["reference_system"] == ALLENNLP
    long = goals["fp32 inference, long texts, vs fastest peer"]
    assert long["measured"] == pytest.approx(1.05) and long["met"] == "yes"
    int8_short = goals["int8 inference, short texts, vs fastest fp32 peer"]
    assert int8_short["measured"] == pytest.approx(2.5) and int8_short["met"] == "yes"
    int8_long = goals["int8 inference, long texts, vs fastest fp32 peer"]
    assert int8_long["measured"] == pytest.approx(2.4) and int8_long["met"] == "no"
    training = goals["training, vs fastest peer"]
    assert training["measured"] == pytest.approx(5.0 / 4.8) and training["met"] == "no"
    gemm = goals["fp32 long-text inference, useful GFLOP/s / GEMM GFLOP/s"]
    assert gemm["measured"] == pytest.approx(0.8) and gemm["met"] == "yes"
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


def test_missing_measurements_are_not_met_but_said_why():
    summary = synthetic_summary()
    summary[INT8] = {"unavailable": "ImportError: no quantization"}
    goals = goals_by_name(summary, {"skipped": "no --archive given"})
    int8 = goals["int8 inference, short texts, vs fastest fp32 peer"]
    assert int8["met"] == "n/a" and "ImportError" in int8["detail"]
    accuracy = goals["test accuracy, int8 vs fp32 (drop at most)"]
    assert accuracy["met"] == "n/a" and "no --archive" in accuracy["detail"]
    rows = goal_rows(list(goals.values()))
    assert [row[3] for row in rows] == ["yes", "yes", "n/a", "n/a", "no", "yes", "yes", "n/a"]
    assert rows[6][2] == "<= 1.00x" and rows[0][2] == ">= 1.50x"
