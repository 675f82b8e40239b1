"""
How a fine-tuned BERT did on the SpamAssassin test split, next to a TF-IDF + logistic regression
baseline trained on the same train split: one use of bert_cls's general report
(`bert_cls.evaluation.report`, the library behind `bert-cls-report`).

    python -m examples.spamassassin.report --run-dir RUN [--data-dir DATA]

`RUN` is an `allennlp train` serialization directory holding `model.tar.gz`; `DATA` holds
`train.jsonl` and `test.jsonl` (default: the example's unpacked split). The test split is
predicted through the archive's own predictor, in file order; the baseline is fitted on
`train.jsonl` with its C fixed at `BASELINE_C`.

Writes into `RUN` `report.json` (the library's report and `macro_f1_difference`, the model's
macro-F1 minus the baseline's), `confusion_matrix.png` (the model's and the baseline's side by
side) and `learning_curve.png`, and prints the metrics as a Markdown table, both confusion
matrices as text, the macro-F1 difference and the paths written. A file it cannot use exits
with `error: ...`.
"""

import argparse
import logging
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from allennlp.common.checks import ConfigurationError

from bert_cls.evaluation.extras import MissingExtraError
from bert_cls.evaluation.report import build_report, markdown_summary, write_report
from examples.spamassassin.paths import UNPACKED_SPLIT

ARCHIVE = "model.tar.gz"
# Fixed rather than chosen on validation, as in the project README's table.
BASELINE_C = 10.0


def picture_title(test_size: int) -> str:
    return f"SpamAssassin test split ({test_size} emails)"


def build_spamassassin_report(run_dir: Path, data_dir: Path) -> Dict[str, Any]:
    """
    `build_report` of `run_dir/model.tar.gz` on `data_dir/test.jsonl`, with the baseline
    fitted on `data_dir/train.jsonl` (C = `BASELINE_C`), and `macro_f1_difference`.
    """
    report = build_report(
        run_dir / ARCHIVE,
        data_dir / "test.jsonl",
        baseline_train=data_dir / "train.jsonl",
        baseline_c=BASELINE_C,
    )
    report["macro_f1_difference"] = report["model"]["macro_f1"] - report["baseline"]["macro_f1"]
    return report


def write_spamassassin_report(run_dir: Path, data_dir: Path) -> Dict[str, Any]:
    """Builds the report, writes its files into `run_dir`, prints the tables; returns it."""
    report = build_spamassassin_report(run_dir, data_dir)
    outputs = write_report(report, run_dir, picture_title(report["test_size"]), side_by_side=True)
    print(markdown_summary(report))
    model, baseline = report["model"]["name"], report["baseline"]["name"]
    print(f"\nmacro-F1 difference ({model} - {baseline}): {report['macro_f1_difference']:+.4f}")
    print()
    for path in outputs.values():
        print(f"wrote {path}")
    return report


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
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
    needed = (args.run_dir / ARCHIVE, args.data_dir / "test.jsonl", args.data_dir / "train.jsonl")
    for path in needed:
        if not path.is_file():
            raise SystemExit(f"error: {path} does not exist")
    try:
        write_spamassassin_report(args.run_dir, args.data_dir)
    except (ConfigurationError, MissingExtraError, ValueError) as error:
        raise SystemExit(f"error: {error}")


if __name__ == "__main__":
    main()
