"""
The run's Markdown report: the table of every figure with its ratio to the best peer, the goals
table, and the lines about the machine, the workloads, accuracy and label agreement.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from benchmarks.machine import BUSY_LOAD_AVERAGE
from benchmarks.settings import WORKLOADS
from benchmarks.summary import Summary, best_peer, ratio
from benchmarks.systems import INFERENCE_SYSTEMS


@dataclass(frozen=True)
class Column:
    """A column of the main table: summary key, header, unit, whether higher is better."""

    key: str
    header: str
    unit: str
    higher_is_better: bool


COLUMNS = (
    Column("infer_short_eps", "inference short (ex/s)", "ex/s", True),
    Column("infer_long_eps", "inference long (ex/s)", "ex/s", True),
    Column("train_eps", "training (ex/s)", "ex/s", True),
    Column("infer_long_gemm_fraction", "long inference / GEMM", "fraction", True),
    Column("train_gemm_fraction", "training / GEMM", "fraction", True),
    Column("rss_infer_mb", "peak RSS inference (MB)", "MB", False),
    Column("rss_train_mb", "peak RSS training (MB)", "MB", False),
    Column("rss_train_mmap_mb", "peak RSS training, fixed mmap threshold (MB)", "MB", False),
)


def format_value(value: Optional[float], unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "fraction":
        return f"{100 * value:.0f}%"
    if unit == "MB":
        return f"{value:.0f}"
    return f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def table_rows(
    summary: Summary, systems: Sequence[str], columns: Sequence[Column] = COLUMNS
) -> List[List[str]]:
    """
    One row per system: each cell is the absolute value and, in parentheses, its ratio to the
    best peer of that column (for memory, the lowest; a ratio below 1 is less memory).
    """
    rows = []
    for system in systems:
        row = [system]
        for column in columns:
            value = summary.get(system, {}).get(column.key)
            _, reference = best_peer(summary, column.key, column.higher_is_better)
            cell = format_value(value, column.unit)
            r = ratio(value, reference)
            if r is not None:
                cell += f" ({r:.2f}x)"
            row.append(cell)
        rows.append(row)
    return rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def goal_rows(results: Sequence[Dict[str, Any]]) -> List[List[str]]:
    """Rows of the goals table (goal, measured, target, met?, detail) from evaluated goals."""
    rows = []
    for result in results:
        kind, target, measured = result["kind"], result["target"], result["measured"]
        if kind == "peer_ratio":
            sign = ">=" if result["higher_is_better"] else "<="
            target_text = f"{sign} {target:.2f}x"
            measured_text = "n/a" if measured is None else f"{measured:.2f}x"
        elif kind == "absolute":
            target_text = f">= {100 * target:.0f}%"
            measured_text = "n/a" if measured is None else f"{100 * measured:.0f}%"
        else:
            target_text = f"<= {100 * target:.1f} points"
            measured_text = "n/a" if measured is None else f"{100 * measured:+.2f} points"
        rows.append([result["goal"], measured_text, target_text, result["met"], result["detail"]])
    return rows


def report(result: Dict[str, Any]) -> str:
    """The Markdown report of a run's result (the dict `benchmarks.speed_memory` writes)."""
    summary = result["summary"]
    lines = []
    if result["settings"]["quick"]:
        lines.append("**--quick smoke test: too few batches for the numbers to mean anything.**\n")
    machine = result["machine"]
    load_at_start = machine["load_average_at_start"][0]
    gemm = format_value(result["gemm_reference_gflops"], "GFLOP/s")
    lines.append(
        f"Machine: {machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, "
        f"{result['settings']['threads']} torch threads, torch {machine['torch']}, "
        f"transformers {machine['transformers']}, AllenNLP {machine['allennlp']}. "
        f"fp32 GEMM reference: {gemm} GFLOP/s "
        f"(best shape, best of runs). "
        f"Load average at start/end: {load_at_start:.2f} / "
        f"{machine['load_average_at_end'][0]:.2f}."
    )
    if load_at_start > BUSY_LOAD_AVERAGE:
        lines.append(
            f"\n**Warning: the machine was not idle (1-minute load average "
            f"{load_at_start:.2f} before the run started): with other "
            f"processes on the cores, multi-threaded timings can be several times "
            f"too slow.**\n"
        )
    tokens = result["tokens"]
    token_text = []
    for workload in WORKLOADS:
        means = tokens[workload]["mean_tokens"]
        values = sorted({round(v, 2) for v in means.values()})
        different = tokens[workload]["examples_with_different_counts"]
        token_text.append(
            f"{workload}: {tokens[workload]['examples']} examples, "
            f"{'/'.join(f'{v:.1f}' for v in values)} real tokens per example "
            f"({different} with different counts across systems)"
        )
    train_means = sorted({round(v, 2) for v in tokens["train"]["mean_tokens"].values()})
    token_text.append(
        f"training: {'/'.join(f'{v:.1f}' for v in train_means)} real tokens per example"
    )
    lines.append("Workloads: " + "; ".join(token_text) + ".\n")
    header = ["system"] + [column.header for column in COLUMNS]
    lines.append(
        "Each cell: the median over repetitions, and in parentheses the ratio to the best "
        "of HF transformers and AllenNLP in that column (for memory the lowest; below 1 "
        "is less).\n"
    )
    lines.append(markdown_table(header, table_rows(summary, INFERENCE_SYSTEMS)))
    lines.append(
        "\nUseful GFLOP/s count matmul FLOPs over real tokens only, and of the last layer "
        "only what the pooled [CLS] output needs; the GEMM reference is fp32 (so int8 can "
        "exceed 100%).\n"
    )
    lines.append(
        markdown_table(["goal", "measured", "target", "met?", "detail"], goal_rows(result["goals"]))
    )
    accuracy = result["raw"]["accuracy"] or {}
    lines.append("")
    if accuracy.get("skipped"):
        lines.append(f"Test accuracy fp32 vs int8: skipped ({accuracy['skipped']}).")
    elif accuracy:
        subset = " (a subset: --quick)" if accuracy.get("subset") else ""
        lines.append(
            f"Test accuracy of {accuracy['archive']} on {accuracy['examples']} test "
            f"emails{subset}: fp32 {100 * accuracy['fp32']:.2f}%, "
            f"int8 {100 * accuracy['int8']:.2f}%, "
            f"same label for {100 * accuracy['agreement']:.1f}% of emails."
        )
    unavailable = {
        system: entry["unavailable"]
        for system, entry in summary.items()
        if entry.get("unavailable")
    }
    for system, reason in unavailable.items():
        lines.append(f"{system}: not measured: {reason}")
    agreement = result["label_agreement_with_hf"]
    lines.append(
        "Labels equal to HF's (first repetition, same untrained classifier): "
        + ", ".join(
            f"{system} {'/'.join(f'{100 * v:.0f}%' for v in per.values())}"
            for system, per in agreement.items()
        )
        + "."
    )
    return "\n".join(lines)
