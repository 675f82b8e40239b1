"""
The machine a run measures on: CPU, load, and a process's peak resident set size.
"""

import os
import platform
import resource
from pathlib import Path
from typing import Any, Dict

BUSY_LOAD_AVERAGE = 0.5  # a 1-minute load average above this before the run: warn


def peak_rss_kb() -> int:
    """This process's peak resident set size so far (`ru_maxrss`, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def machine_info(threads: int) -> Dict[str, Any]:
    """CPU model and counts, Python and platform, and the load average now."""
    cpu_model, physical_cores = None, set()
    try:
        physical_id = None
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name" and cpu_model is None:
                cpu_model = value
            elif key == "physical id":
                physical_id = value
            elif key == "core id":
                physical_cores.add((physical_id, value))
    except OSError:
        pass
    return {
        "cpu_model": cpu_model or platform.processor(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "physical_cores": len(physical_cores) or None,
        "threads_used": threads,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }
