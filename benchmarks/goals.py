"""
The benchmark's goals for bert_cls, and whether a run's measurements meet them.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from benchmarks.summary import Summary, best_peer, ratio
from benchmarks.systems import BERT_CLS, BERT_CLS_INT8


@dataclass(frozen=True)
class Goal:
    """
    A checkable goal. `kind`:
    - "peer_ratio": summary[system][key] / best peer's value >= target (<= target when
      `higher_is_better` is False, as for memory);
    - "absolute": summary[system][key] >= target;
    - "accuracy_drop": accuracy["fp32"] - accuracy["int8"] <= target.
    """

    name: str
    system: str
    key: str
    kind: str
    target: float
    higher_is_better: bool = True


def default_goals(max_accuracy_drop: float = 0.005) -> List[Goal]:
    """The goals every run is judged by; `max_accuracy_drop` is a fraction (0.005: half a point)."""
    return [
        Goal(
            "fp32 inference, short texts, vs fastest peer",
            BERT_CLS,
            "infer_short_eps",
            "peer_ratio",
            1.5,
        ),
        Goal(
            "fp32 inference, long texts, vs fastest peer",
            BERT_CLS,
            "infer_long_eps",
            "peer_ratio",
            1.05,
        ),
        Goal(
            "int8 inference, short texts, vs fastest fp32 peer",
            BERT_CLS_INT8,
            "infer_short_eps",
            "peer_ratio",
            2.5,
        ),
        Goal(
            "int8 inference, long texts, vs fastest fp32 peer",
            BERT_CLS_INT8,
            "infer_long_eps",
            "peer_ratio",
            2.5,
        ),
        Goal("training, vs fastest peer", BERT_CLS, "train_eps", "peer_ratio", 1.1),
        Goal(
            "fp32 long-text inference, useful GFLOP/s / GEMM GFLOP/s",
            BERT_CLS,
            "infer_long_gemm_fraction",
            "absolute",
            0.75,
        ),
        Goal(
            "peak training RSS, vs lowest peer",
            BERT_CLS,
            "rss_train_mb",
            "peer_ratio",
            1.0,
            higher_is_better=False,
        ),
        Goal(
            "test accuracy, int8 vs fp32 (drop at most)",
            BERT_CLS_INT8,
            "accuracy",
            "accuracy_drop",
            max_accuracy_drop,
        ),
    ]


def evaluate_goal(
    goal: Goal, summary: Summary, accuracy: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    """
    Measured value, target and whether it is met ("yes", "no", or "n/a" with the reason).
    Raises a `ValueError` for an unknown `goal.kind`.
    """
    result: Dict[str, Any] = {
        "goal": goal.name,
        "system": goal.system,
        "kind": goal.kind,
        "target": goal.target,
        "higher_is_better": goal.higher_is_better,
        "measured": None,
        "met": "n/a",
        "detail": "",
    }
    if goal.kind == "accuracy_drop":
        if not accuracy or accuracy.get("fp32") is None or accuracy.get("int8") is None:
            reason = (accuracy or {}).get("skipped", "no accuracy measured")
            result["detail"] = f"skipped: {reason}"
            return result
        drop = accuracy["fp32"] - accuracy["int8"]
        result["measured"] = drop
        result["met"] = "yes" if drop <= goal.target + 1e-12 else "no"
        result["detail"] = (
            f"fp32 {100 * accuracy['fp32']:.2f}%, "
            f"int8 {100 * accuracy['int8']:.2f}% "
            f"on {accuracy.get('examples', '?')} test emails"
        )
        return result
    value = summary.get(goal.system, {}).get(goal.key)
    if value is None:
        reason = summary.get(goal.system, {}).get("unavailable", f"{goal.system} has no {goal.key}")
        result["detail"] = f"not measured: {reason}"
        return result
    if goal.kind == "absolute":
        result["measured"] = value
        met = value >= goal.target
        result["detail"] = f"{goal.system}: {value:.3f}"
    elif goal.kind == "peer_ratio":
        peer, reference = best_peer(summary, goal.key, goal.higher_is_better)
        r = ratio(value, reference)
        if r is None:
            result["detail"] = "no peer measured"
            return result
        result["measured"] = r
        result["reference_system"] = peer
        result["reference_value"] = reference
        met = r >= goal.target if goal.higher_is_better else r <= goal.target
        result["detail"] = f"{goal.system} {value:.1f} vs {peer} {reference:.1f}"
    else:
        raise ValueError(f"unknown goal kind {goal.kind!r}")
    result["met"] = "yes" if met else "no"
    return result


def evaluate_goals(
    summary: Summary, accuracy: Optional[Dict[str, Any]], goals: Sequence[Goal]
) -> List[Dict[str, Any]]:
    return [evaluate_goal(goal, summary, accuracy) for goal in goals]
