"""
Pictures of a report, drawn with matplotlib (the `report` extra): confusion matrices that stay
readable from 2 to 50-odd labels, and a training run's learning curve.
"""

from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Sequence

from bert_cls.evaluation.extras import pyplot
from bert_cls.evaluation.training_run import LearningCurve

FIGURE_DPI = 120
MATRIX_INCHES_PER_LABEL = 0.6
MATRIX_INCHES = (4.0, 13.0)  # smallest and largest side of one matrix
POINTS_PER_INCH = 72


class MatrixPanel(NamedTuple):
    """One confusion matrix to draw: rows gold, columns predicted, in the order of the labels."""

    title: str
    matrix: List[List[int]]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def matrix_layout(labels: Sequence[str], largest_count: int) -> Dict[str, float]:
    """
    Sizes for a matrix of `labels`: its side and cell in inches, the font size (points) of the
    label names and of the counts, the counts' size chosen so that `largest_count` fits a cell.
    """
    side = _clamp(MATRIX_INCHES_PER_LABEL * len(labels), *MATRIX_INCHES)
    cell_points = side / len(labels) * POINTS_PER_INCH
    digits = len(str(largest_count))
    return {
        "side": side,
        "label_font": _clamp(0.55 * cell_points, 6, 12),
        # A digit is about 0.6 of the font size wide.
        "count_font": _clamp(min(0.45 * cell_points, cell_points / (0.6 * digits + 0.4)), 4, 14),
        "label_margin": max(len(label) for label in labels) * 0.6 / POINTS_PER_INCH,
    }


def plot_confusion_matrices(
    panels: Sequence[MatrixPanel], labels: Sequence[str], path: Path, title: str
) -> None:
    """
    Draws `panels` side by side into the PNG `path`. Each cell's colour is its share of its
    row (of the documents with that gold label), so that rare labels show as clearly as
    frequent ones; non-zero cells also show their count, in a font sized to fit the cell.
    Label names are on both axes.
    """
    plt = pyplot()
    largest = max(max(max(row) for row in panel.matrix) for panel in panels)
    layout = matrix_layout(labels, largest)
    margin = 1.0 + layout["label_margin"] * layout["label_font"]
    width = len(panels) * (layout["side"] + margin + 1.0)
    height = layout["side"] + margin + 1.2
    figure, axes = plt.subplots(1, len(panels), figsize=(width, height), squeeze=False)
    for axis, panel in zip(axes[0], panels):
        shares = [[n / max(1, sum(row)) for n in row] for row in panel.matrix]
        image = axis.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
        for i, row in enumerate(panel.matrix):
            for j, count in enumerate(row):
                if count:
                    colour = "white" if shares[i][j] > 0.5 else "black"
                    axis.text(
                        j, i, str(count), ha="center", va="center",
                        fontsize=layout["count_font"], color=colour,
                    )  # fmt: skip
        ticks = range(len(labels))
        axis.set_xticks(ticks, labels, rotation=90, fontsize=layout["label_font"])
        axis.set_yticks(ticks, labels, fontsize=layout["label_font"])
        axis.set_xlabel("predicted")
        axis.set_ylabel("gold")
        axis.set_title(panel.title)
        colour_bar = figure.colorbar(image, ax=axis, fraction=0.046, pad=0.02)
        colour_bar.set_label("share of the gold label's documents")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)


def plot_learning_curve(curve: LearningCurve, path: Path, title: str) -> None:
    """
    Draws loss and accuracy into the PNG `path`: the running averages over each epoch (one line
    segment an epoch, as the average restarts) and the end-of-epoch training and validation
    figures, against training batches (or epochs, for a per-epoch-only curve).
    """
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for axis, metric in zip(axes, ("loss", "accuracy")):
        _plot_metric(axis, curve.points, metric)
        axis.set_xlabel("epochs" if curve.per_epoch_only else "training batches")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)


def _plot_metric(axis: Any, points: List[Dict[str, Any]], metric: str) -> None:
    running = sorted((p for p in points if metric in p), key=lambda p: p["batch"])
    for number, epoch in enumerate(sorted({p["epoch"] for p in running})):
        segment = [p for p in running if p["epoch"] == epoch]
        label = f"training {metric} (running average)" if number == 0 else None
        axis.plot(
            [p["batch"] for p in segment], [p[metric] for p in segment],
            color="tab:blue", linewidth=1, label=label,
        )  # fmt: skip
    for split, marker, colour in (("training", "o", "tab:blue"), ("validation", "s", "tab:orange")):
        key = f"{split}_{metric}"
        ends = sorted((p for p in points if key in p), key=lambda p: p["batch"])
        if ends:
            axis.plot(
                [p["batch"] for p in ends], [p[key] for p in ends], linestyle="none",
                marker=marker, markersize=7, color=colour, label=f"{split} {metric} (end of epoch)",
            )  # fmt: skip
