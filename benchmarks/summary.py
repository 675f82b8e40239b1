"""
From the raw measurements to the figures the tables and goals use: medians over repetitions,
useful GFLOP/s and their share of the GEMM reference, peak RSS, token counts and label agreement.
"""

import statistics
from typing import Any, Dict, Optional, Sequence, Tuple

from benchmarks.flops import BertDims, useful_flops
from benchmarks.settings import WORKLOADS
from benchmarks.systems import HF, PEERS

Summary = Dict[str, Dict[str, Any]]  # system -> figure key -> value


def median(values: Sequence[Optional[float]]) -> Optional[float]:
    """The median of the values that are not `None`; `None` if there are none."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(value: Optional[float], reference: Optional[float]) -> Optional[float]:
    """`value / reference`; `None` when either is missing or the reference is 0."""
    if value is None or reference is None or reference == 0:
        return None
    return value / reference


def best_peer(
    summary: Summary, key: str, higher_is_better: bool = True, peers: Sequence[str] = PEERS
) -> Tuple[Optional[str], Optional[float]]:
    """The peer with the best value of `key` (highest, or lowest for memory) and that value."""
    candidates = [(summary.get(peer, {}).get(key), peer) for peer in peers]
    candidates = [(value, peer) for value, peer in candidates if value is not None]
    if not candidates:
        return None, None
    value, peer = (max if higher_is_better else min)(candidates)
    return peer, value


def summarize(raw: Dict[str, Any], dims: BertDims, gemm_gflops: Optional[float]) -> Summary:
    """
    Per system: the median over repetitions of examples/s and useful GFLOP/s of each workload
    and of training, that GFLOP/s as a fraction of `gemm_gflops`, and the peak RSS in MB.
    """
    summary: Summary = {}
    for system, record in raw.get("inference", {}).items():
        entry = summary.setdefault(system, {})
        if record.get("unavailable"):
            entry["unavailable"] = record["unavailable"]
            continue
        for workload in WORKLOADS:
            reps = record["reps"].get(workload, [])
            lengths = record["lengths"][workload]
            eps = [rep["examples"] / rep["seconds"] for rep in reps]
            gflops = [
                useful_flops(lengths[: rep["examples"]], dims) / rep["seconds"] / 1e9
                for rep in reps
            ]
            entry[f"infer_{workload}_eps"] = median(eps)
            entry[f"infer_{workload}_gflops"] = median(gflops)
            entry[f"infer_{workload}_gemm_fraction"] = ratio(median(gflops), gemm_gflops)
        entry["rss_infer_mb"] = record.get("peak_rss_kb", 0) / 1024 or None
    for system, record in raw.get("training", {}).items():
        entry = summary.setdefault(system, {})
        if record.get("unavailable"):
            entry.setdefault("unavailable", record["unavailable"])
            continue
        eps, gflops = [], []
        for rep in record["reps"]:
            eps.append(rep["examples"] / rep["seconds"])
            flops = useful_flops([n for step in rep["lengths"] for n in step], dims, training=True)
            gflops.append(flops / rep["seconds"] / 1e9)
        entry["train_eps"] = median(eps)
        entry["train_gflops"] = median(gflops)
        entry["train_gemm_fraction"] = ratio(median(gflops), gemm_gflops)
        entry["rss_train_mb"] = record.get("peak_rss_kb", 0) / 1024 or None
    for system, record in raw.get("training_mmap_threshold", {}).items():
        if not record.get("unavailable"):
            peak_mb = record.get("peak_rss_kb", 0) / 1024 or None
            summary.setdefault(system, {})["rss_train_mmap_mb"] = peak_mb
    return summary


def token_statistics(raw: Dict[str, Any]) -> Dict[str, Any]:
    """Mean real tokens per example of each workload, per system, and whether they all agree."""
    stats: Dict[str, Any] = {}
    for workload in WORKLOADS:
        per_system = {
            system: record["lengths"][workload]
            for system, record in raw["inference"].items()
            if "lengths" in record
        }
        means = {system: statistics.mean(lengths) for system, lengths in per_system.items()}
        reference = next(iter(per_system.values()), [])
        mismatched = sorted(
            {
                i
                for lengths in per_system.values()
                for i, (a, b) in enumerate(zip(lengths, reference))
                if a != b
            }
        )
        stats[workload] = {
            "examples": len(reference),
            "mean_tokens": means,
            "examples_with_different_counts": len(mismatched),
        }
    train = {
        system: [n for rep in record["reps"] for step in rep["lengths"] for n in step]
        for system, record in raw["training"].items()
        if record.get("reps")
    }
    stats["train"] = {
        "mean_tokens": {system: statistics.mean(v) for system, v in train.items() if v},
        "examples_timed_per_system": {system: len(v) for system, v in train.items()},
    }
    return stats


def label_agreement(raw: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
    """
    Share of each workload's predicted labels (first repetition) equal to HF's. The untrained
    classifier is the same in every system, so fp32 systems computing the same function agree
    (up to near-ties); int8 agrees less, as its logits move a little.
    """
    hf = raw["inference"].get(HF, {}).get("reps", {})
    agreement: Dict[str, Dict[str, float]] = {}
    for system, record in raw["inference"].items():
        for workload, reps in record.get("reps", {}).items():
            if reps and hf.get(workload):
                ours, theirs = reps[0]["labels"], hf[workload][0]["labels"]
                same = sum(a == b for a, b in zip(ours, theirs))
                agreement.setdefault(system, {})[workload] = same / len(theirs)
    return agreement
