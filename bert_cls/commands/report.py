"""
The `bert-cls-report` console script: how a trained model does on a labelled test file, with
per-label precision, recall and F1, macro-F1, accuracy and a confusion matrix, optionally beside
a TF-IDF + logistic regression baseline (`bert_cls.evaluation.report`).

    bert-cls-report ARCHIVE TEST.jsonl [--baseline-train TRAIN.jsonl
        [--baseline-validation VALIDATION.jsonl] [--side-by-side]] [--output-dir DIR]
    python -m bert_cls.commands.report ...

Writes `report.json`, `confusion_matrix.png` (and `baseline_confusion_matrix.png`, or with
`--side-by-side` both matrices in `confusion_matrix.png`; and `learning_curve.png` when the
archive's directory has the data) into DIR (default: `report/` beside the archive), prints the
metrics as a Markdown table and the paths written. Needs the `report` extra
(`bert_cls[report]`). A file it cannot use exits with status 1 and `error: ...` on stderr.
"""

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence

from allennlp.common.checks import ConfigurationError
from allennlp.common.util import import_module_and_submodules

from bert_cls.evaluation.baseline import DEFAULT_C
from bert_cls.evaluation.extras import MissingExtraError, require_report_extra
from bert_cls.evaluation.predictions import DEFAULT_BATCH_SIZE, PredictionError
from bert_cls.evaluation.report import build_report, markdown_summary, write_report
from bert_cls.evaluation.training_run import TrainingRunError

REPORT_DIR = "report"


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bert-cls-report",
        description="Score a trained model archive on a labelled JSON-lines test file.",
    )
    parser.add_argument("archive", type=Path, help="a model.tar.gz from allennlp train")
    parser.add_argument(
        "test_file", type=Path, help='one JSON object a line: {"text": ..., "label": ...}'
    )
    parser.add_argument(
        "--baseline-train", type=Path,
        help="fit the TF-IDF + logistic regression baseline on this labelled file",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-validation", type=Path,
        help="choose the baseline's C on this labelled file (default: C fixed)",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-c", type=float, default=DEFAULT_C,
        help="the baseline's C without --baseline-validation (default: %(default)g)",
    )  # fmt: skip
    parser.add_argument(
        "--side-by-side", action="store_true",
        help="draw the baseline's confusion matrix beside the model's, in one picture",
    )  # fmt: skip
    parser.add_argument(
        "--output-dir", type=Path,
        help=f"where to write (default: {REPORT_DIR}/ beside the archive)",
    )  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--cuda-device", type=int, default=-1)
    parser.add_argument("--title", help="heads the pictures (default: the test file's name)")
    parser.add_argument(
        "--include-package", action="append", default=[],
        help="a further package to import, holding the archive's registered classes",
    )  # fmt: skip
    args = parser.parse_args(argv)
    needs_baseline = {
        "--baseline-validation": args.baseline_validation is not None,
        "--side-by-side": args.side_by_side,
    }
    for option, given in needs_baseline.items():
        if given and args.baseline_train is None:
            parser.error(f"{option} needs --baseline-train")
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    args = parse_args(argv)
    for path in (args.archive, args.test_file, args.baseline_train, args.baseline_validation):
        if path is not None and not path.is_file():
            sys.exit(f"error: {path} does not exist or is not a file")
    try:
        require_report_extra()
        for package in args.include_package:
            import_module_and_submodules(package)
        report = build_report(
            args.archive,
            args.test_file,
            baseline_train=args.baseline_train,
            baseline_validation=args.baseline_validation,
            baseline_c=args.baseline_c,
            batch_size=args.batch_size,
            cuda_device=args.cuda_device,
        )
        output_dir = args.output_dir or args.archive.parent / REPORT_DIR
        outputs = write_report(report, output_dir, args.title, args.side_by_side)
    except (
        ConfigurationError, MissingExtraError, PredictionError, TrainingRunError, ValueError
    ) as error:  # fmt: skip
        sys.exit(f"error: {error}")
    print(markdown_summary(report))
    print()
    for path in outputs.values():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
