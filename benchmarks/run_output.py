"""
What every benchmark run prints and writes: progress lines on stderr, and at the end its
Markdown tables on stdout and all its measurements as JSON.
"""

import json
import sys
import time
from argparse import Namespace
from pathlib import Path
from typing import Any, Dict, Tuple

_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """Prints `message` to stderr with the time of day and the seconds since the run began."""
    elapsed = time.perf_counter() - _STARTED
    print(f"[{time.strftime('%H:%M:%S')} +{elapsed:.0f}s] {message}", file=sys.stderr, flush=True)


def fill_in_defaults(
    args: Namespace, defaults: Dict[str, Tuple[Any, Any]], output: Path, quick_output: Path
) -> Namespace:
    """
    Sets each argument of `args` named in `defaults` that was not given (`None`) to its
    `(quick, full)` default as `args.quick` says, and `args.output`, when not given, to
    `quick_output` or `output`; returns `args`.
    """
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.output is None:
        args.output = quick_output if args.quick else output
    return args


def save_run(result: Dict[str, Any], report_markdown: str, output: Path) -> None:
    """Writes `result`, with `report_markdown` in it, to `output` and prints the report."""
    result["report_markdown"] = report_markdown
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1) + "\n")
    print(report_markdown)
    progress(f"done in {result['wall_seconds']:.0f} s; all measurements in {output}")
