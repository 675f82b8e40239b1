"""
The table's results file, `benchmarks/results/text_classification.json` (one entry a data set,
merged as data sets finish), and the README table printed from it.
"""

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Dict, Optional

from examples.text_classification.paths import PROJECT_ROOT
from examples.text_classification.published import BERT_SOURCE, PUBLISHED_ACCURACY, TFIDF_LR_SOURCE

TABLE_ORDER = ("20ng", "r8", "r52", "mr")
TITLES = {"20ng": "20NG", "r8": "R8", "r52": "R52", "mr": "MR"}


def read_results(path: Path) -> Dict[str, Any]:
    if not path.is_file():
        return {"datasets": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SystemExit(f"error: {path} is not valid JSON ({error}); move it away to start anew")


def merge_result(path: Path, name: str, entry: Dict[str, Any]) -> Dict[str, Any]:
    """Puts `entry` under `datasets.<name>` of the results file `path` (atomically)."""
    results = read_results(path)
    results["description"] = (
        "Test accuracy and macro-F1 of all-MiniLM-L6-v2 fine-tuned with bert_cls and of a TF-IDF "
        "+ logistic regression baseline on R8, R52, 20 Newsgroups and MR (examples/"
        "text_classification), beside the published accuracies (%)."
    )
    results["published_sources"] = {"tfidf_lr": TFIDF_LR_SOURCE, "bert_base": BERT_SOURCE}
    results.setdefault("datasets", {})[name] = entry
    results["datasets"] = {key: results["datasets"][key] for key in sorted(results["datasets"])}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return results


def machine() -> Dict[str, Any]:
    """What the run ran on: processor, logical CPUs, threads, Python and the project commit."""
    processor = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    return {
        "processor": processor,
        "logical_cpus": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "python": platform.python_version(),
        "commit": commit.stdout.strip() if commit.returncode == 0 else None,
    }


def _percent(value: Optional[float]) -> str:
    return "–" if value is None else f"{100 * value:.2f}"


def _duration(seconds: Optional[float], epochs: Optional[int]) -> str:
    if seconds is None:
        return "–"
    minutes = seconds / 60
    text = f"{minutes:.0f} min" if minutes >= 10 else f"{minutes:.1f} min"
    return text + (f" ({epochs} epochs)" if epochs else "")


def markdown_table(results: Dict[str, Any]) -> str:
    """
    The README table: test accuracy (%) of each data set in `results`, published TF-IDF + LR and
    BERT-base beside ours, and the training time.
    """
    lines = [
        "| data set | TF-IDF + LR (TextGCN) | BERT-base (BertGCN) | TF-IDF + LR (ours) "
        "| bert_cls MiniLM | MiniLM training time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    datasets = results.get("datasets", {})
    for name in [n for n in TABLE_ORDER if n in datasets] + sorted(
        set(datasets) - set(TABLE_ORDER)
    ):
        entry = datasets[name]
        published = PUBLISHED_ACCURACY.get(name, {})
        cells = [
            TITLES.get(name, name),
            f"{published['tfidf_lr']:.2f}" if "tfidf_lr" in published else "–",
            f"{published['bert_base']:.1f}" if "bert_base" in published else "–",
            _percent(entry.get("baseline_test_accuracy")),
            _percent(entry.get("test_accuracy")),
            _duration(entry.get("train_seconds"), entry.get("epochs")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
