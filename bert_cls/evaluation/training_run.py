"""
What an `allennlp train` serialization directory says about the training: its summary from
`metrics.json` and its learning curve from `learning_curve.jsonl` (bert_cls's
`learning_curve` callback) or, failing that, the per-epoch `metrics_epoch_*.json`.
"""

import json
import re
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional

from bert_cls.training.learning_curve import LEARNING_CURVE_FILE


class TrainingRunError(ValueError):
    """A file of a serialization directory that cannot be read."""


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TrainingRunError(f"{path}: not valid JSON ({error})") from None


def duration_seconds(duration: str) -> float:
    """Seconds in a `str(datetime.timedelta)`, e.g. "1:02:03.5" or "2 days, 0:00:01"."""
    match = re.fullmatch(r"(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)", duration.strip())
    if match is None:
        raise TrainingRunError(f"cannot read the duration {duration!r}")
    days, hours, minutes, seconds = match.groups()
    return ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + float(seconds)


def training_summary(run_dir: Path) -> Optional[Dict[str, Any]]:
    """
    From `run_dir/metrics.json`: `training_seconds` (its `training_duration`: the epochs trained
    by the last `allennlp train` call, validation included), `epochs` (trained), `best_epoch`
    and the best epoch's validation metrics (`best_validation_*`). `None` when there is no
    `metrics.json`.
    """
    metrics_file = run_dir / "metrics.json"
    if not metrics_file.is_file():
        return None
    metrics = read_json(metrics_file)
    missing = [key for key in ("training_duration", "epoch") if key not in metrics]
    if missing:
        raise TrainingRunError(f"{metrics_file} has no {', '.join(missing)}")
    summary = {
        "training_seconds": duration_seconds(metrics["training_duration"]),
        "epochs": int(metrics["epoch"]) + 1,
        "best_epoch": metrics.get("best_epoch"),
    }
    summary.update({k: v for k, v in metrics.items() if k.startswith("best_validation_")})
    return summary


class LearningCurve(NamedTuple):
    """The points of a learning curve; `per_epoch_only` when they came from epoch metrics."""

    points: List[Dict[str, Any]]
    per_epoch_only: bool


def learning_curve(run_dir: Path) -> Optional[LearningCurve]:
    """
    The points of `run_dir/learning_curve.jsonl`, or else one point an epoch from
    `metrics_epoch_*.json` (`batch` = epoch + 1); `None` when there are neither. When a resumed
    training wrote a point again (same epoch and batch), the later one is kept.
    """
    curve_file = run_dir / LEARNING_CURVE_FILE
    if curve_file.is_file():
        points: Dict[tuple, Dict[str, Any]] = {}
        for number, line in enumerate(curve_file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                point = json.loads(line)
            except json.JSONDecodeError as error:
                raise TrainingRunError(f"{curve_file}, line {number}: not valid JSON ({error})")
            kind = "end" if any(key.startswith("training_") for key in point) else "running"
            points[(point.get("epoch"), point.get("batch"), kind)] = point
        return LearningCurve(list(points.values()), False)
    epoch_files = sorted(
        run_dir.glob("metrics_epoch_*.json"), key=lambda path: int(path.stem.rsplit("_", 1)[1])
    )
    if not epoch_files:
        return None
    points = []
    for epoch_file in epoch_files:
        metrics = read_json(epoch_file)
        point = {"epoch": metrics.get("epoch"), "batch": int(metrics.get("epoch", 0)) + 1}
        point.update(
            {k: v for k, v in metrics.items() if k.startswith(("training_", "validation_"))}
        )
        points.append(point)
    return LearningCurve(points, True)
