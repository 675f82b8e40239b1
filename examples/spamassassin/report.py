"""
How a fine-tuned BERT did on the SpamAssassin test split, next to a TF-IDF + logistic regression
baseline trained on the same train split:

    python -m examples.spamassassin.report --run-dir RUN [--data-dir DATA]

`RUN` is an `allennlp train` serialization directory in which

    allennlp evaluate RUN/model.tar.gz DATA/test.jsonl --output-file RUN/test_metrics.json \\
        --predictions-output-file RUN/test_predictions.jsonl

has been run; `DATA` holds `train.jsonl` and `test.jsonl` (default: the example's unpacked
split). `allennlp evaluate` writes one JSON object per *batch* (its `"label"` is the list of the
batch's predicted labels), in the order of the data loader, so the loader must keep the input
order: no bucket batch sampler, no shuffling (`allennlp_runs.EVALUATE_IN_FILE_ORDER`). The report
cross-checks its test accuracy against the one `allennlp evaluate` reported, which catches a
reordering.

Writes `RUN/report.json`, `RUN/confusion_matrix.png` and `RUN/learning_curve.png`, and prints a
Markdown table of the metrics and both confusion matrices.
"""

import argparse
import json
import logging
import math
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from matplotlib.figure import Figure
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.pipeline import make_pipeline

from examples.spamassassin.allennlp_runs import EVALUATE_IN_FILE_ORDER
from examples.spamassassin.paths import UNPACKED_SPLIT

logger = logging.getLogger(__name__)

MODEL_NAME = "fine-tuned BERT"
BASELINE_NAME = "TF-IDF + LR baseline"
FIGURE_DPI = 120


class ReportError(Exception):
    pass


def read_jsonl(path: Path) -> List[Tuple[int, Dict[str, Any]]]:
    """`(line number, object)` for every non-blank line of a JSON-lines file."""
    if not path.is_file():
        raise ReportError(f"{path} does not exist")
    rows = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ReportError(f"{path}, line {number}: not valid JSON ({error})") from None
            if not isinstance(row, dict):
                raise ReportError(f"{path}, line {number}: expected a JSON object")
            rows.append((number, row))
    return rows


def read_json(path: Path) -> Dict[str, Any]:
    if not path.is_file():
        raise ReportError(f"{path} does not exist")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReportError(f"{path}: not valid JSON ({error})") from None


def labels_of(path: Path) -> List[str]:
    """
    The labels of a JSON-lines file, in order. A line's `"label"` is either one label (a data
    file) or a list of them (a batch of `allennlp evaluate` predictions).
    """
    labels: List[str] = []
    for number, row in read_jsonl(path):
        if "label" not in row:
            raise ReportError(f'{path}, line {number}: no "label"')
        label = row["label"]
        labels.extend(str(each) for each in (label if isinstance(label, list) else [label]))
    return labels


def texts_and_labels(path: Path) -> Tuple[List[str], List[str]]:
    rows = read_jsonl(path)
    for number, row in rows:
        if "text" not in row or "label" not in row:
            raise ReportError(f'{path}, line {number}: needs both "text" and "label"')
    return [row["text"] for _, row in rows], [str(row["label"]) for _, row in rows]


def classification_metrics(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> Dict[str, Any]:
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(labels), zero_division=0
    )
    per_class = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(sum(f1) / len(labels)),
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(gold, predicted, labels=list(labels)).tolist(),
    }


def run_baseline(train_file: Path, test_file: Path, labels: Sequence[str]) -> Dict[str, Any]:
    """TF-IDF over word 1- and 2-grams and a logistic regression, fitted on `train_file`."""
    train_texts, train_labels = texts_and_labels(train_file)
    test_texts, test_labels = texts_and_labels(test_file)
    baseline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        LogisticRegression(C=10, max_iter=2000, solver="liblinear", random_state=0),
    )
    logger.info("fitting the %s on %d emails of %s", BASELINE_NAME, len(train_texts), train_file)
    started = time.perf_counter()
    baseline.fit(train_texts, train_labels)
    fit_seconds = time.perf_counter() - started
    logger.info("fitted in %.1f s", fit_seconds)
    metrics = classification_metrics(test_labels, baseline.predict(test_texts).tolist(), labels)
    return {**metrics, "fit_seconds": fit_seconds, "train_size": len(train_texts)}


def duration_seconds(duration: str) -> float:
    """Seconds in a `str(datetime.timedelta)`, e.g. "1:02:03.5" or "2 days, 0:00:01"."""
    match = re.fullmatch(r"(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)", duration.strip())
    if match is None:
        raise ReportError(f"cannot read the duration {duration!r}")
    days, hours, minutes, seconds = match.groups()
    return ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + float(seconds)


def training_summary(metrics_file: Path) -> Dict[str, Any]:
    metrics = read_json(metrics_file)
    missing = [key for key in ("training_duration", "epoch") if key not in metrics]
    if missing:
        raise ReportError(f"{metrics_file} has no {', '.join(missing)}")
    return {
        "training_seconds": duration_seconds(metrics["training_duration"]),
        "epochs": int(metrics["epoch"]) + 1,
        "best_epoch": metrics.get("best_epoch"),
        "best_validation_accuracy": metrics.get("best_validation_accuracy"),
    }


def check_accuracy_agrees(
    accuracy: float, evaluate_metrics: Dict[str, Any], paths: Dict[str, str]
) -> None:
    reported = evaluate_metrics.get("accuracy")
    if reported is None:
        raise ReportError(f'{paths["test_metrics"]} has no "accuracy"')
    if not math.isclose(accuracy, reported, rel_tol=0.0, abs_tol=1e-9):
        raise ReportError(
            f"the accuracy of {paths['predictions']} against {paths['test_data']} is "
            f"{accuracy!r}, but allennlp evaluate reported {reported!r} in "
            f"{paths['test_metrics']}: the predictions are not in the order of the test file. "
            "allennlp evaluate writes them in its data loader's order, and a bucket batch "
            "sampler sorts by length; evaluate again with "
            f"-o '{json.dumps(EVALUATE_IN_FILE_ORDER)}'"
        )


def build_report(run_dir: Path, data_dir: Path) -> Dict[str, Any]:
    paths = {
        "run_dir": run_dir,
        "test_data": data_dir / "test.jsonl",
        "train_data": data_dir / "train.jsonl",
        "predictions": run_dir / "test_predictions.jsonl",
        "test_metrics": run_dir / "test_metrics.json",
        "training_metrics": run_dir / "metrics.json",
    }
    paths = {name: str(path) for name, path in paths.items()}
    gold = labels_of(Path(paths["test_data"]))
    predicted = labels_of(Path(paths["predictions"]))
    if len(gold) != len(predicted):
        raise ReportError(
            f"{paths['predictions']} holds {len(predicted)} predictions but {paths['test_data']} "
            f"holds {len(gold)} emails"
        )
    labels = sorted(set(gold) | set(predicted))
    model = classification_metrics(gold, predicted, labels)
    evaluate_metrics = read_json(Path(paths["test_metrics"]))
    check_accuracy_agrees(model["accuracy"], evaluate_metrics, paths)
    model.update(training_summary(Path(paths["training_metrics"])))
    model.update(
        {
            "evaluate_accuracy": evaluate_metrics["accuracy"],
            "evaluate_loss": evaluate_metrics.get("loss"),
        }
    )
    baseline = run_baseline(Path(paths["train_data"]), Path(paths["test_data"]), labels)
    return {
        "labels": labels,
        "test_size": len(gold),
        "model": {"name": MODEL_NAME, **model},
        "baseline": {"name": BASELINE_NAME, **baseline},
        "macro_f1_difference": model["macro_f1"] - baseline["macro_f1"],
        "paths": paths,
    }


def markdown_table(report: Dict[str, Any]) -> str:
    model, baseline = report["model"], report["baseline"]
    rows = [
        ("accuracy", model["accuracy"], baseline["accuracy"]),
        ("macro-F1", model["macro_f1"], baseline["macro_f1"]),
    ]
    for label in report["labels"]:
        for short, key in (("P", "precision"), ("R", "recall"), ("F1", "f1")):
            rows.append(
                (
                    f"{label} {short}",
                    model["per_class"][label][key],
                    baseline["per_class"][label][key],
                )
            )
    lines = [f"| metric | {MODEL_NAME} | {BASELINE_NAME} |", "|---|---:|---:|"]
    lines += [f"| {name} | {first:.4f} | {second:.4f} |" for name, first, second in rows]
    epochs = model["epochs"]
    epoch_word = "epoch" if epochs == 1 else "epochs"
    lines.append(
        f"| train time | {model['training_seconds']:.1f} s ({epochs} {epoch_word}) "
        f"| {baseline['fit_seconds']:.1f} s |"
    )
    return "\n".join(lines)


def confusion_matrix_text(name: str, matrix: List[List[int]], labels: Sequence[str]) -> str:
    width = max(len(label) for label in list(labels) + [str(n) for row in matrix for n in row]) + 2
    lines = [
        f"{name} (rows = gold, columns = predicted)",
        " " * width + "".join(f"{label:>{width}}" for label in labels),
    ]
    lines += [
        f"{label:>{width}}" + "".join(f"{n:>{width}}" for n in row)
        for label, row in zip(labels, matrix)
    ]
    return "\n".join(lines)


def plot_confusion_matrices(report: Dict[str, Any], path: Path) -> None:
    labels = report["labels"]
    figure = Figure(figsize=(10, 4.5))
    axes = figure.subplots(1, 2)
    for axis, result in zip(axes, (report["model"], report["baseline"])):
        matrix = result["confusion_matrix"]
        axis.imshow(matrix, cmap="Blues")
        brightest = max(max(row) for row in matrix)
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                colour = "white" if count > brightest / 2 else "black"
                axis.text(j, i, str(count), ha="center", va="center", fontsize=14, color=colour)
        axis.set_xticks(range(len(labels)), labels)
        axis.set_yticks(range(len(labels)), labels)
        axis.set_xlabel("predicted")
        axis.set_ylabel("gold")
        axis.set_title(
            f"{result['name']}\n"
            f"accuracy {result['accuracy']:.4f}, macro-F1 {result['macro_f1']:.4f}"
        )
    figure.suptitle(f"SpamAssassin test split ({report['test_size']} emails)")
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)


def learning_curve_points(run_dir: Path) -> Tuple[List[Dict[str, Any]], bool]:
    """The points of `learning_curve.jsonl`, or else per-epoch points from `metrics_epoch_*.json`
    (with `batch` = epoch number + 1); the flag says whether it fell back."""
    curve = run_dir / "learning_curve.jsonl"
    if curve.is_file():
        return [row for _, row in read_jsonl(curve)], False
    epoch_files = sorted(
        run_dir.glob("metrics_epoch_*.json"), key=lambda path: int(path.stem.rsplit("_", 1)[1])
    )
    points = []
    for epoch_file in epoch_files:
        metrics = read_json(epoch_file)
        point = {"epoch": metrics.get("epoch"), "batch": int(metrics.get("epoch", 0)) + 1}
        point.update(
            {
                key: value
                for key, value in metrics.items()
                if key.startswith(("training_", "validation_"))
            }
        )
        points.append(point)
    return points, True


def plot_learning_curve(run_dir: Path, path: Path) -> None:
    points, per_epoch_only = learning_curve_points(run_dir)
    figure = Figure(figsize=(11, 4.5))
    axes = figure.subplots(1, 2)
    for axis, metric in zip(axes, ("loss", "accuracy")):
        running = [point for point in points if metric in point]
        # The running average restarts every epoch, so each epoch gets its own segment.
        for epoch in sorted({point["epoch"] for point in running}):
            segment = [point for point in running if point["epoch"] == epoch]
            axis.plot(
                [p["batch"] for p in segment],
                [p[metric] for p in segment],
                color="tab:blue",
                linewidth=1,
                label=(
                    f"training {metric} (running average)" if epoch == running[0]["epoch"] else None
                ),
            )
        for split, marker, size, colour in (
            ("training", "o", 8, "tab:blue"),
            ("validation", "s", 6, "tab:orange"),
        ):
            ends = [point for point in points if f"{split}_{metric}" in point]
            if ends:
                axis.plot(
                    [p["batch"] for p in ends],
                    [p[f"{split}_{metric}"] for p in ends],
                    linestyle="none",
                    marker=marker,
                    markersize=size,
                    color=colour,
                    label=f"{split} {metric} (end of epoch)",
                )
        axis.set_xlabel("epochs" if per_epoch_only else "training batches")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend()
    source = (
        "per-epoch points from metrics_epoch_*.json (no learning_curve.jsonl)"
        if per_epoch_only
        else "learning_curve.jsonl"
    )
    figure.suptitle(f"Learning curve of {run_dir.name}: {source}")
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)


def write_report(run_dir: Path, data_dir: Path) -> Dict[str, Any]:
    """Builds the report, writes `report.json` and both PNGs into `run_dir`, prints the tables."""
    report = build_report(run_dir, data_dir)
    outputs = {
        name: run_dir / name
        for name in ("report.json", "confusion_matrix.png", "learning_curve.png")
    }
    report["paths"].update({name.replace(".", "_"): str(path) for name, path in outputs.items()})
    plot_confusion_matrices(report, outputs["confusion_matrix.png"])
    plot_learning_curve(run_dir, outputs["learning_curve.png"])
    outputs["report.json"].write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown_table(report))
    for result in (report["model"], report["baseline"]):
        print(
            "\n"
            + confusion_matrix_text(result["name"], result["confusion_matrix"], report["labels"])
        )
    print(f"\nmacro-F1 difference ({MODEL_NAME} - baseline): {report['macro_f1_difference']:+.4f}")
    for path in outputs.values():
        logger.info("wrote %s", path)
    return report


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.INFO)
    parser = argparse.ArgumentParser(
        prog="python -m examples.spamassassin.report", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--run-dir", type=Path, required=True, help="the allennlp serialization directory"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=UNPACKED_SPLIT, help="holds train.jsonl and test.jsonl"
    )
    args = parser.parse_args(argv)
    try:
        write_report(args.run_dir, args.data_dir)
    except ReportError as error:
        raise SystemExit(f"error: {error}")


if __name__ == "__main__":
    main()
