"""
Peak memory of `allennlp predict` against the number of input lines.

    .venv/bin/python -m benchmarks.predict_memory [--archive model.tar.gz] [--sizes 1000 20000]

Run from the project root. Without `--archive` it trains the fixture model first
(`configs/bert_for_classification.jsonnet`, a few seconds). For each size it writes that many
JSON lines of short texts, runs the real `allennlp predict` on them in a subprocess, and prints
the subprocess's peak resident set size (`ru_maxrss` of a wrapper's children, the figure
`/usr/bin/time -v` reports as "Maximum resident set size") and its wall time.

AllenNLP's predict reads the input lazily, `--batch-size` lines at a time, and writes each
output line as soon as it is predicted, so the peak should not grow with the input.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks.paths import FIXTURE_CONFIG, PROJECT_ROOT

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
WORDS = "the acting was great and the plot was fun I love this movie a dull boring bad film".split()

# Runs its arguments and prints the peak RSS of that child, in KiB (Linux's ru_maxrss unit).
_PEAK_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def write_inputs(path: Path, num_lines: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w") as file:
        for number in range(num_lines):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30)))
            file.write(json.dumps({"text": text, "id": number}) + "\n")


def peak_rss_mb(command: List[str]) -> Tuple[float, float]:
    """Runs `command` from the project root; returns its peak RSS in MB and its wall time in s."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS_WRAPPER, *command],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return int(result.stdout.split()[-1]) / 1024, elapsed


def measure(
    archive: Path, sizes: List[int], work_dir: Path, batch_size: int = 32
) -> Dict[int, dict]:
    """
    For each size: writes that many input lines into `work_dir`, runs `allennlp predict` on
    them, and returns its peak RSS in MB, its seconds and the number of output lines.
    """
    figures = {}
    for size in sizes:
        inputs = work_dir / f"input_{size}.jsonl"
        output = work_dir / f"output_{size}.jsonl"
        write_inputs(inputs, size)
        command = [
            ALLENNLP,
            "predict",
            str(archive),
            str(inputs),
            "--output-file",
            str(output),
            "--silent",
            "--batch-size",
            str(batch_size),
        ]
        peak, seconds = peak_rss_mb(command)
        with output.open() as file:
            num_outputs = sum(1 for _ in file)
        figures[size] = {"peak_rss_mb": peak, "seconds": seconds, "outputs": num_outputs}
    return figures


def train_fixture_model(work_dir: Path) -> Path:
    run = work_dir / "run"
    subprocess.run(
        [ALLENNLP, "train", str(FIXTURE_CONFIG), "-s", str(run)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
        check=True,
        capture_output=True,
    )
    return run / "model.tar.gz"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.predict_memory", description=__doc__.strip().split("\n\n")[0]
    )
    parser.add_argument(
        "--archive", type=Path, help="model.tar.gz (default: train the fixture model)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="predict_memory-") as work:
        archive = args.archive or train_fixture_model(Path(work))
        figures = measure(archive.resolve(), args.sizes, Path(work), args.batch_size)
    print(f"{'lines':>8} {'peak RSS MB':>12} {'seconds':>8}")
    for size, row in figures.items():
        print(f"{size:>8} {row['peak_rss_mb']:>12.1f} {row['seconds']:>8.1f}")
    smallest, largest = min(figures), max(figures)
    ratio = figures[largest]["peak_rss_mb"] / figures[smallest]["peak_rss_mb"]
    print(f"peak RSS ratio {largest} / {smallest} lines: {ratio:.3f}")


if __name__ == "__main__":
    main()
