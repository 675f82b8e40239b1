"""
How a trained model does on a labelled test file, optionally beside the TF-IDF + logistic
regression baseline: the library behind `bert-cls-report`.

`build_report` predicts the test file through the archive's predictor and scores it;
`write_report` writes `report.json`, the confusion matrix PNG(s) and, when the archive's
serialization directory has the data, the learning curve PNG; `markdown_summary` gives the
metrics as a Markdown table.
"""

import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bert_cls.evaluation.baseline import DEFAULT_C, run_baseline
from bert_cls.evaluation.labelled_data import read_labelled_lines, texts_and_labels
from bert_cls.evaluation.metrics import classification_metrics, label_order
from bert_cls.evaluation.plots import MatrixPanel, plot_confusion_matrices, plot_learning_curve
from bert_cls.evaluation.predictions import DEFAULT_BATCH_SIZE, load_predictor, predict_labels
from bert_cls.evaluation.training_run import learning_curve, training_summary

logger = logging.getLogger(__name__)

MODEL_NAME = "fine-tuned BERT (bert_cls)"
REPORT_FILE = "report.json"
CONFUSION_MATRIX_FILE = "confusion_matrix.png"
BASELINE_CONFUSION_MATRIX_FILE = "baseline_confusion_matrix.png"
LEARNING_CURVE_PLOT_FILE = "learning_curve.png"
PICTURE_FILES = {
    "confusion_matrix": CONFUSION_MATRIX_FILE,
    "baseline_confusion_matrix": BASELINE_CONFUSION_MATRIX_FILE,
}
MAX_LABELS_FOR_TEXT_MATRIX = 10


def build_report(
    archive_file: Path,
    test_file: Path,
    baseline_train: Optional[Path] = None,
    baseline_validation: Optional[Path] = None,
    baseline_c: float = DEFAULT_C,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cuda_device: int = -1,
) -> Dict[str, Any]:
    """
    Scores the model of `archive_file` on `test_file` (one JSON object a line with the gold
    `"label"` and the model's inputs, such as `"text"`), and, with `baseline_train`, the
    baseline fitted on that file (its C chosen on `baseline_validation` when given, else
    `baseline_c`) on the same test file. Returns the report (plain JSON data): `archive`,
    `test_file`, `test_size`, `labels` (the order of the confusion matrices: gold labels by
    frequency, then labels only predicted), `model` and `baseline` (`None` without one), each
    with `classification_metrics`' figures, and `training` (`training_summary` of the archive's
    directory, `None` when it has no `metrics.json`).
    """
    archive_file, test_file = Path(archive_file), Path(test_file)
    lines = read_labelled_lines(str(test_file))
    gold = [line.label for line in lines]
    predictor = load_predictor(archive_file, cuda_device)
    started = time.perf_counter()
    predicted = predict_labels(predictor, lines, str(test_file), batch_size)
    predict_seconds = time.perf_counter() - started
    baseline: Optional[Dict[str, Any]] = None
    baseline_predicted: List[str] = []
    if baseline_train is not None:
        validation = texts_and_labels(str(baseline_validation)) if baseline_validation else None
        test_texts, _ = texts_and_labels(str(test_file))
        baseline_predicted, baseline = run_baseline(
            texts_and_labels(str(baseline_train)), test_texts, validation, baseline_c
        )
    labels = label_order(gold, predicted + baseline_predicted)
    model = {"name": MODEL_NAME, **_scores(gold, predicted, labels)}
    model["predict_seconds"] = predict_seconds
    if baseline is not None:
        baseline.update(_scores(gold, baseline_predicted, labels))
    return {
        "archive": str(archive_file),
        "test_file": str(test_file),
        "test_size": len(gold),
        "labels": labels,
        "model": model,
        "baseline": baseline,
        "training": training_summary(archive_file.parent),
    }


def _scores(gold: Sequence[str], predicted: Sequence[str], labels: List[str]) -> Dict[str, Any]:
    scores = classification_metrics(gold, predicted, labels)
    del scores["labels"]  # the report's own `labels`
    return scores


def write_report(
    report: Dict[str, Any],
    output_dir: Path,
    title: Optional[str] = None,
    side_by_side: bool = False,
) -> Dict[str, str]:
    """
    Writes into `output_dir` (created if needed) `report.json`, `confusion_matrix.png` (the
    model's), `baseline_confusion_matrix.png` (with a baseline) and `learning_curve.png` (when
    the archive's directory has a learning curve). With `side_by_side` and a baseline,
    `confusion_matrix.png` holds the model's matrix and the baseline's side by side instead, and
    there is no `baseline_confusion_matrix.png`. Returns the paths written, by name; they are
    also added to the report as `outputs`. `title` heads the pictures (default: the test file).
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    title = title or f"{Path(report['test_file']).name} ({report['test_size']:,} documents)"
    outputs = {"report": output_dir / REPORT_FILE}
    model, baseline = report["model"], report["baseline"]
    if baseline is None:
        pictures = {"confusion_matrix": [model]}
    elif side_by_side:
        pictures = {"confusion_matrix": [model, baseline]}
    else:
        pictures = {"confusion_matrix": [model], "baseline_confusion_matrix": [baseline]}
    for name, results in pictures.items():
        outputs[name] = output_dir / PICTURE_FILES[name]
        panels = [_matrix_panel(result) for result in results]
        plot_confusion_matrices(panels, report["labels"], outputs[name], title)
    curve = learning_curve(Path(report["archive"]).parent)
    if curve is not None:
        outputs["learning_curve"] = output_dir / LEARNING_CURVE_PLOT_FILE
        plot_learning_curve(
            curve, outputs["learning_curve"], f"Learning curve of {Path(report['archive']).parent}"
        )
    report["outputs"] = {name: str(path) for name, path in outputs.items()}
    temporary = outputs["report"].with_name(f".{REPORT_FILE}.tmp")
    temporary.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    temporary.replace(outputs["report"])
    return report["outputs"]


def _matrix_panel(result: Dict[str, Any]) -> MatrixPanel:
    scores = f"accuracy {result['accuracy']:.4f}, macro-F1 {result['macro_f1']:.4f}"
    return MatrixPanel(f"{result['name']}\n{scores}", result["confusion_matrix"])


def markdown_summary(report: Dict[str, Any]) -> str:
    """
    The report's metrics as a Markdown table (the model, and the baseline when there is one):
    accuracy, macro-F1, each label's precision / recall / F1, and times; then, for at most
    `MAX_LABELS_FOR_TEXT_MATRIX` labels, the confusion matrices as text.
    """
    systems = [report["model"]] + ([report["baseline"]] if report["baseline"] else [])
    lines = [
        "| metric | " + " | ".join(system["name"] for system in systems) + " |",
        "|---" + "|---:" * len(systems) + "|",
        "| accuracy | " + " | ".join(f"{s['accuracy']:.4f}" for s in systems) + " |",
        "| macro-F1 | " + " | ".join(f"{s['macro_f1']:.4f}" for s in systems) + " |",
    ]
    for label in report["labels"]:
        support = report["model"]["per_label"][label]["support"]
        cells = []
        for system in systems:
            scores = system["per_label"][label]
            cells.append(f"{scores['precision']:.3f} / {scores['recall']:.3f} / {scores['f1']:.3f}")
        lines.append(f"| {label} P / R / F1 ({support}) | " + " | ".join(cells) + " |")
    times = []
    training = report.get("training")
    if training is not None:
        epochs = training["epochs"]
        times.append(
            f"{training['training_seconds']:.0f} s ({epochs} epoch{'s' if epochs != 1 else ''})"
        )
    else:
        times.append("?")
    if report["baseline"]:
        times.append(f"{report['baseline']['fit_seconds']:.1f} s (C = {report['baseline']['c']:g})")
    lines.append("| training time | " + " | ".join(times) + " |")
    text = "\n".join(lines)
    if len(report["labels"]) <= MAX_LABELS_FOR_TEXT_MATRIX:
        for system in systems:
            text += "\n\n" + confusion_matrix_text(system, report["labels"])
    return text


def confusion_matrix_text(result: Dict[str, Any], labels: Sequence[str]) -> str:
    matrix = result["confusion_matrix"]
    width = max(len(str(cell)) for cell in list(labels) + [n for row in matrix for n in row]) + 2
    lines = [
        f"{result['name']} (rows = gold, columns = predicted)",
        " " * width + "".join(f"{label:>{width}}" for label in labels),
    ]
    lines += [
        f"{label:>{width}}" + "".join(f"{n:>{width}}" for n in row)
        for label, row in zip(labels, matrix)
    ]
    return "\n".join(lines)
