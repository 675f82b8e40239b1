"""
How long `allennlp.models.archival.load_archive` takes for a model archive, each time in a fresh
process (imports excluded: only the call is timed), median of the repetitions.

    python -m benchmarks.archive_load --archive runs/latest/model.tar.gz [--repeats 5]

To time another version of bert_cls on the same archive, put its checkout on the path and run
this file from a directory that holds no `bert_cls` (each timed process puts its working
directory first on the path): `cd /tmp && PYTHONPATH=/path/to/other/checkout
/path/to/clone/.venv/bin/python /path/to/clone/benchmarks/archive_load.py --archive ...` (the
printed line says which `bert_cls` was imported).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import List, Optional, Sequence

_TIME_ONE_LOAD = """
import json, sys, time
import bert_cls
from allennlp.models.archival import load_archive
started = time.perf_counter()
load_archive(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - started, "bert_cls": bert_cls.__file__}))
"""


def time_loads(archive: str, repeats: int) -> List[dict]:
    """One `load_archive(archive)` in each of `repeats` fresh Python processes."""
    env = dict(os.environ, ALLENNLP_LOG_LEVEL="WARNING")
    results = []
    for _ in range(repeats):
        output = subprocess.run(
            [sys.executable, "-c", _TIME_ONE_LOAD, archive],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    return results


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.archive_load", description=__doc__)
    parser.add_argument("--archive", required=True, help="a model.tar.gz")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    results = time_loads(args.archive, args.repeats)
    seconds = [result["seconds"] for result in results]
    print(
        f"load_archive({args.archive}): median {statistics.median(seconds):.2f} s over "
        f"{len(seconds)} fresh processes (min {min(seconds):.2f}, max {max(seconds):.2f}); "
        f"bert_cls from {results[0]['bert_cls']}"
    )


if __name__ == "__main__":
    main()
