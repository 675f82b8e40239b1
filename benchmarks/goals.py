"""
The benchmark's goals for bert_cls, and whether a run's measurements meet them.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from benchmarks.blas import BERT_CLS_SETTING
from benchmarks.summary import Summary, best_peer, ratio
from benchmarks.systems import (
    BERT_CLS,
    BERT_CLS_INT8,
    HF,
    HF_FAST_BLAS,
    ORT_FP32,
    ORT_INT8,
    PEERS,
    bert_cls_paths,
    training_peers_with_blas,
)


@dataclass(frozen=True)
class Goal:
    """
    A checkable goal. `kind`:
    - "peer_ratio": summary[system][key] / the best value of `key` among `reference` (all
      peers when `None`) >= target (<= target when `higher_is_better` is False, as for memory);
    - "absolute": summary[system][key] >= target;
    - "accuracy_drop": accuracy["fp32"] - accuracy["int8"] <= target.

    `system` is bert_cls's default path; `alternatives` are its other paths of the same
    precision (one switch away, such as another inference engine): when the default misses the
    goal and one of them meets it, the goal is met by that path, and the result says which.
    """

    name: str
    system: str
    key: str
    kind: str
    target: float
    higher_is_better: bool = True
    reference: Optional[Tuple[str, ...]] = None
    alternatives: Tuple[str, ...] = ()


def default_goals(max_accuracy_drop: float = 0.005) -> List[Goal]:
    """The goals every run is judged by; `max_accuracy_drop` is a fraction (0.005: half a point)."""
    fp32_others = bert_cls_paths(int8=False)[1:]
    int8_others = bert_cls_paths(int8=True)[1:]
    return [
        Goal(
            "fp32 inference, short texts, vs ORT optimized fp32",
            BERT_CLS,
            "infer_short_eps",
            "peer_ratio",
            1.2,
            reference=(ORT_FP32,),
            alternatives=fp32_others,
        ),
        Goal(
            "fp32 inference, long texts, vs ORT optimized fp32",
            BERT_CLS,
            "infer_long_eps",
            "peer_ratio",
            1.0,
            reference=(ORT_FP32,),
            alternatives=fp32_others,
        ),
        Goal(
            "int8 inference, short texts, vs ORT int8",
            BERT_CLS_INT8,
            "infer_short_eps",
            "peer_ratio",
            1.0,
            reference=(ORT_INT8,),
            alternatives=int8_others,
        ),
        Goal(
            "int8 inference, long texts, vs ORT int8",
            BERT_CLS_INT8,
            "infer_long_eps",
            "peer_ratio",
            1.0,
            reference=(ORT_INT8,),
            alternatives=int8_others,
        ),
        Goal(
            "test accuracy, int8 vs fp32 (drop at most)",
            BERT_CLS_INT8,
            "accuracy",
            "accuracy_drop",
            max_accuracy_drop,
        ),
        Goal(
            "fp32 long-text inference, useful GFLOP/s / best GEMM GFLOP/s",
            BERT_CLS,
            "infer_long_gemm_fraction",
            "absolute",
            0.8,
            alternatives=fp32_others,
        ),
        Goal(
            "training, vs fastest peer with bert_cls's BLAS",
            BERT_CLS,
            "train_eps",
            "peer_ratio",
            1.1,
            reference=training_peers_with_blas(BERT_CLS_SETTING),
        ),
        Goal(
            "peak inference RSS, vs HF transformers",
            BERT_CLS,
            "rss_infer_mb",
            "peer_ratio",
            1.0,
            higher_is_better=False,
            reference=(HF, HF_FAST_BLAS),
            alternatives=fp32_others,
        ),
        Goal(
            "peak training RSS, vs lowest peer",
            BERT_CLS,
            "rss_train_mb",
            "peer_ratio",
            1.0,
            higher_is_better=False,
        ),
    ]


def _judge(goal: Goal, system: str, summary: Summary) -> Dict[str, Any]:
    """`system`'s figure for `goal` (a "peer_ratio" or "absolute" goal) and whether it meets it."""
    judged: Dict[str, Any] = {"measured": None, "met": "n/a", "detail": ""}
    value = summary.get(system, {}).get(goal.key)
    if value is None:
        reason = summary.get(system, {}).get("unavailable", f"{system} has no {goal.key}")
        judged["detail"] = f"not measured: {reason}"
        return judged
    if goal.kind == "absolute":
        judged["measured"] = value
        met = value >= goal.target
        judged["detail"] = f"{system}: {value:.3f}"
    elif goal.kind == "peer_ratio":
        peers = goal.reference if goal.reference is not None else PEERS
        peer, reference = best_peer(summary, goal.key, goal.higher_is_better, peers)
        r = ratio(value, reference)
        if r is None:
            judged["detail"] = f"not measured: none of {', '.join(peers)}"
            return judged
        judged.update(measured=r, reference_system=peer, reference_value=reference)
        met = r >= goal.target if goal.higher_is_better else r <= goal.target
        judged["detail"] = f"{system} {value:.1f} vs {peer} {reference:.1f}"
    else:
        raise ValueError(f"unknown goal kind {goal.kind!r}")
    judged["met"] = "yes" if met else "no"
    return judged


def evaluate_goal(
    goal: Goal, summary: Summary, accuracy: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    """
    Measured value, target and whether it is met ("yes", "no", or "n/a" with the reason), and
    `path`: the bert_cls system the figures are of, `goal.system` unless only one of
    `goal.alternatives` meets the goal (then `default_path` holds the default's figures).
    Raises a `ValueError` for an unknown `goal.kind`.
    """
    result: Dict[str, Any] = {
        "goal": goal.name,
        "system": goal.system,
        "path": goal.system,
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
    result.update(_judge(goal, goal.system, summary))
    if result["met"] != "yes":
        for alternative in goal.alternatives:
            judged = _judge(goal, alternative, summary)
            if judged["met"] == "yes":
                default = {key: result.get(key) for key in ("measured", "met", "detail")}
                result.update(judged, path=alternative, default_path=default)
                result["detail"] += (
                    f" (met by {alternative}; the default path: {default['detail']})"
                )
                break
    return result


def evaluate_goals(
    summary: Summary, accuracy: Optional[Dict[str, Any]], goals: Sequence[Goal]
) -> List[Dict[str, Any]]:
    return [evaluate_goal(goal, summary, accuracy) for goal in goals]
