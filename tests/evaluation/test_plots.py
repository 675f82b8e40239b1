import matplotlib.image
import pytest

from bert_cls.evaluation.plots import (
    FIGURE_DPI,
    MatrixPanel,
    matrix_layout,
    plot_confusion_matrices,
    plot_learning_curve,
)
from bert_cls.evaluation.training_run import LearningCurve

POINTS_PER_INCH = 72


@pytest.mark.parametrize("labels, largest", [(2, 900), (8, 1083), (20, 399), (52, 1083)])
def test_fonts_stay_legible_and_counts_fit_their_cells(labels, largest):
    layout = matrix_layout([f"label-{i}" for i in range(labels)], largest)
    cell_points = layout["side"] / labels * POINTS_PER_INCH
    assert 4 <= layout["side"] <= 13
    assert 6 <= layout["label_font"] <= 12
    assert 4 <= layout["count_font"] <= 14
    # A digit is about 0.6 of the font size wide: the largest count is narrower than its cell.
    assert 0.6 * len(str(largest)) * layout["count_font"] < cell_points
    # Label names no taller than a cell, so neighbours do not overlap.
    assert layout["label_font"] <= cell_points


@pytest.mark.parametrize("labels", [2, 52])
def test_confusion_matrices_are_drawn_at_a_size_that_grows_with_the_labels(tmp_path, labels):
    names = [f"label-{i}" for i in range(labels)]
    matrix = [
        [10 if i == j else (1 if j == 0 else 0) for j in range(labels)] for i in range(labels)
    ]
    path = tmp_path / "matrix.png"
    plot_confusion_matrices(
        [MatrixPanel("model", matrix), MatrixPanel("baseline", matrix)], names, path, "test"
    )
    height, width, _ = matplotlib.image.imread(path).shape
    side = matrix_layout(names, 10)["side"]
    assert height >= side * FIGURE_DPI
    assert width >= 2 * side * FIGURE_DPI


def test_the_learning_curve_is_drawn(tmp_path):
    points = [
        {"epoch": 0, "batch": 10, "loss": 0.7, "accuracy": 0.5},
        {"epoch": 0, "batch": 20, "training_loss": 0.6, "training_accuracy": 0.6,
         "validation_loss": 0.65, "validation_accuracy": 0.55},
    ]  # fmt: skip
    path = tmp_path / "curve.png"
    plot_learning_curve(LearningCurve(points, False), path, "curve")
    height, width, _ = matplotlib.image.imread(path).shape
    assert (width, height) == (11 * FIGURE_DPI, 4.5 * FIGURE_DPI)
