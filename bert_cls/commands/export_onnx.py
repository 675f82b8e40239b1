"""
The `bert-cls-export-onnx` console script: exports a `bert_for_classification` archive to ONNX,
with its vocabulary and tokenization settings (`bert_cls.export.onnx_export`).

    bert-cls-export-onnx ARCHIVE OUTPUT_DIR [--int8] [--opset N] [--force]
    python -m bert_cls.commands.export_onnx ARCHIVE OUTPUT_DIR [--int8] [--opset N] [--force]

On success it prints what it wrote; what cannot be exported, missing onnx/onnxruntime, or an
existing OUTPUT_DIR without `--force` exits with status 1 and `error: ...` on stderr.
"""

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence

from allennlp.common.checks import ConfigurationError

import bert_cls  # noqa: F401  (registers the model and reader an archive names)
from bert_cls.export import export_archive
from bert_cls.modules.onnx_bert import DEFAULT_OPSET, OnnxNotInstalled


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bert-cls-export-onnx",
        description=(
            "Export a bert_for_classification archive to ONNX (model.onnx, vocab.txt, "
            "classifier_config.json), to run with ONNX Runtime without AllenNLP or torch."
        ),
    )
    parser.add_argument("archive", help="the model.tar.gz that allennlp train wrote")
    parser.add_argument("output_dir", type=Path, help="the directory to write")
    parser.add_argument(
        "--int8", action="store_true", help="quantize with ONNX Runtime's dynamic int8"
    )
    parser.add_argument(
        "--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET})"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing OUTPUT_DIR")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    args = parse_args(argv)
    try:
        export = export_archive(args.archive, args.output_dir, args.int8, args.opset, args.force)
    except (ConfigurationError, OnnxNotInstalled) as error:
        sys.exit(f"error: {error}")
    print(export.summary())


if __name__ == "__main__":
    main()
