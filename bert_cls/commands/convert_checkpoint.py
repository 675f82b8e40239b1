"""
The `bert-cls-convert-checkpoint` console script: converts a BERT checkpoint to the
pytorch-pretrained-bert 0.6.2 layout (`bert_cls.modules.checkpoint_conversion`).

    bert-cls-convert-checkpoint SOURCE DESTINATION [--seed N] [--force]
    python -m bert_cls.commands.convert_checkpoint SOURCE DESTINATION [--seed N] [--force]

On success it prints what it wrote; a source it cannot convert, or an existing DESTINATION
without `--force`, exits with status 1 and `error: ...` on stderr.
"""

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence

from allennlp.common.checks import ConfigurationError

from bert_cls.modules.checkpoint_conversion import convert


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bert_cls.commands.convert_checkpoint",
        description="Convert a BERT checkpoint to the pytorch-pretrained-bert 0.6.2 layout.",
    )
    parser.add_argument(
        "source", help="checkpoint directory, .tar.gz or locally cached shortcut name"
    )
    parser.add_argument(
        "destination", type=Path, help="output directory, or a path ending in .tar.gz"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for a missing pooler's init (default 0)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing destination")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    args = parse_args(argv)
    try:
        conversion = convert(args.source, args.destination, args.seed, args.force)
    except ConfigurationError as error:
        sys.exit(f"error: {error}")
    print(conversion.summary())


if __name__ == "__main__":
    main()
