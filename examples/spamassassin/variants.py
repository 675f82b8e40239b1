"""
Long-document and class-weight options measured on the real SpamAssassin split: plain (head)
truncation against head+tail truncation and against pooled windows, all at the same
`max_pieces`, and balanced class weights against none.

    python -m examples.spamassassin.variants [--epochs 1] [--variants head head_tail ...]

Each variant is the example's `spamassassin_minilm.jsonnet` with a few overrides (`VARIANTS`),
trained by the real `allennlp train` into `runs/variants-<time>/<variant>`; the best epoch is
chosen on the validation split (`+accuracy`, as in the config) and every variant is then
evaluated once on the test split. `per_label_metrics` is switched on everywhere so that
macro-F1 is reported; it does not change training. The table is printed as Markdown and saved
with the raw figures in `variants.md` and `variants.json` in the run directory.
"""

import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from examples.spamassassin.allennlp_runs import (
    absolute_paths,
    allennlp,
    link_weights,
    new_run_directory,
    say,
)
from examples.spamassassin.paths import CONFIG, SHIPPED_SPLIT, UNPACKED_SPLIT
from examples.spamassassin.split_files import unpack_split

INDEXER = "dataset_reader.token_indexers.bert"

VARIANTS: Dict[str, dict] = {
    # The first 126 wordpieces: the 0.9 indexer's truncation.
    "head": {f"{INDEXER}.truncation_strategy": "head"},
    # Sun et al. 2019 kept the first 128 and the last 382 of 510 wordpieces, a quarter and three
    # quarters; the same proportions of our 126 (the shipped config).
    "head_tail": {f"{INDEXER}.truncation_strategy": "head_tail", f"{INDEXER}.head_pieces": 32},
    # Windows of 126 wordpieces that overlap by half, their logits averaged. All windows of the
    # longest emails would multiply the cost by 6.4 (the mean number of windows per training
    # email); the first 3 cover the first 252 wordpieces, twice what truncation keeps, for about
    # 2.5 times its cost.
    "windows_mean": {
        f"{INDEXER}.truncation_strategy": "head",
        f"{INDEXER}.truncate_long_sequences": False,
        f"{INDEXER}.max_windows": 3,
        "model.window_pooling": "mean",
    },
    # Ham outnumbers spam about 2.2 to 1: weights inversely proportional to the label counts, on
    # top of head+tail, to compare with "head_tail" (no weights).
    "head_tail_balanced": {
        f"{INDEXER}.truncation_strategy": "head_tail",
        f"{INDEXER}.head_pieces": 32,
        "model.class_weights": "balanced",
    },
}


def run_variant(name: str, overrides: dict, epochs: int, config: Path, run_dir: Path) -> dict:
    overrides = {**overrides, "model.per_label_metrics": True, "trainer.num_epochs": epochs}
    say(f"{name}: training with {json.dumps(overrides)}")
    train_overrides = {**absolute_paths(), **overrides}
    allennlp("train", str(config), "-s", str(run_dir), "-o", json.dumps(train_overrides))
    say(f"{name}: evaluating once on the test split")
    allennlp(
        "evaluate", str(run_dir / "model.tar.gz"), str(UNPACKED_SPLIT / "test.jsonl"),
        "--output-file", str(run_dir / "test_metrics.json"),
    )  # fmt: skip
    training = json.loads((run_dir / "metrics.json").read_text())
    test = json.loads((run_dir / "test_metrics.json").read_text())
    return {
        "variant": name,
        "overrides": overrides,
        "validation_accuracy": training["best_validation_accuracy"],
        "validation_macro_f1": training["best_validation_macro-f1"],
        "test_accuracy": test["accuracy"],
        "test_macro_f1": test["macro-f1"],
        "test_spam_recall": test["spam-recall"],
        "test_spam_precision": test["spam-precision"],
        "training_duration": training["training_duration"],
    }


def markdown_table(results: List[dict]) -> str:
    lines = [
        "| variant | validation accuracy | validation macro-F1 | test accuracy | test macro-F1 "
        "| test spam precision | test spam recall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result['variant']} | {result['validation_accuracy']:.4f} "
            f"| {result['validation_macro_f1']:.4f} | {result['test_accuracy']:.4f} "
            f"| {result['test_macro_f1']:.4f} | {result['test_spam_precision']:.4f} "
            f"| {result['test_spam_recall']:.4f} |"
        )
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m examples.spamassassin.variants", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="default: a new runs/variants-<time>; an existing one is continued: the variants "
        "already in its variants.json are kept and not run again",
    )
    args = parser.parse_args(argv)

    link_weights()
    unpack_split(SHIPPED_SPLIT, UNPACKED_SPLIT)
    out_dir = args.output_dir or new_run_directory("variants")
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = out_dir / "variants.json"
    results = json.loads(saved.read_text()) if saved.exists() else []
    done = {result["variant"] for result in results}
    for name in args.variants:
        if name in done:
            continue
        results.append(run_variant(name, VARIANTS[name], args.epochs, args.config, out_dir / name))
        # Saved after every variant, so that a long run stopped midway keeps what it measured.
        (out_dir / "variants.md").write_text(markdown_table(results) + "\n")
        saved.write_text(json.dumps(results, indent=2) + "\n")
    table = markdown_table(results)
    say(f"variants ({args.epochs} epoch(s) each; choices on validation, test reported once)")
    print(table)
    print(f"\nsaved in {out_dir}/variants.md and variants.json")


if __name__ == "__main__":
    main()
