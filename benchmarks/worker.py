"""
The worker protocol: `benchmarks.speed_memory` runs each system, in each phase, in a process of
its own, so that each peak RSS is one system's, and drives it over pipes, one JSON line per
command and per answer.

A worker is started as

    python -m benchmarks.worker --system NAME --phase PHASE --spec SPEC.json

from the project root. It first answers one line: for "prepare", what `benchmarks.prepare`
returns; for the other phases, `{"ready": true, ...}` with its setup figures, or
`{"ready": false, "error": ...}` if the system could not be built (then it exits, and the run
goes on without it). Then it reads commands from stdin and answers each:

- `{"cmd": "infer", "workload": W}`: `{"seconds", "examples", "labels"}` over W's batches;
- `{"cmd": "train", "steps": [...]}`: `{"seconds", "examples", "lengths", "losses", "steps"}`;
- `{"cmd": "gemm"}`: GFLOP/s per shape (`benchmarks.gemm`);
- `{"cmd": "accuracy", "archive": PATH, "examples": N or null}` (`benchmarks.accuracy`);
- `{"cmd": "finish"}`: `{"peak_rss_kb", "torch_threads"}`, then it exits.

Phases: "prepare", "inference", "training" (one system each), "gemm" and "accuracy" (no
system). Everything a library prints goes to stderr, the worker's log.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from benchmarks.machine import peak_rss_kb
from benchmarks.paths import PROJECT_ROOT
from benchmarks.settings import WORKLOADS
from benchmarks.systems import build_system

PHASES = ("prepare", "inference", "training", "gemm", "accuracy")


def worker_env(threads: int) -> Dict[str, str]:
    """This process's environment, offline, with `threads` threads for every thread pool."""
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "OMP_NUM_THREADS": str(threads),
            "MKL_NUM_THREADS": str(threads),
            # The fast tokenizer's batch encoding runs on a Rayon pool: the same number of threads.
            "RAYON_NUM_THREADS": str(threads),
            "RAYON_RS_NUM_CPUS": str(threads),
            "TOKENIZERS_PARALLELISM": "true",
            "PYTHONWARNINGS": "ignore",
        }
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


class Worker:
    """The parent's handle on one worker process; starting it waits for its first answer."""

    def __init__(
        self,
        system: str,
        phase: str,
        spec_path: Path,
        log_dir: Path,
        env: Dict[str, str],
        log_suffix: str = "",
    ):
        self.system, self.phase = system, phase
        self.log_path = log_dir / f"{phase}-{system.replace(' ', '_')}{log_suffix}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.worker",
                "--system",
                system,
                "--phase",
                phase,
                "--spec",
                str(spec_path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            cwd=PROJECT_ROOT,
            env=env,
        )
        self.ready = self._read()

    def _read(self) -> Dict[str, Any]:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise RuntimeError(
                f"{self.phase} worker for {self.system} died (exit code "
                f"{self.process.returncode}):\n{self.log_tail()}"
            )
        return json.loads(line)

    def log_tail(self, lines: int = 25) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def ask(self, **command) -> Dict[str, Any]:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def finish(self) -> Dict[str, Any]:
        answer = self.ask(cmd="finish")
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self._log.close()
        return answer

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


def run_worker(system_name: str, phase: str, spec_path: Path) -> None:
    """The worker's side of the protocol (see the module docstring)."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # library prints go to stderr (the worker's log), not into the channel
    sys.stdout = sys.stderr
    import logging

    logging.basicConfig(level=logging.WARNING)
    spec = json.loads(spec_path.read_text())
    # torch and every library under test are imported here and below, once stdout is the log,
    # and only those the phase needs: a worker's peak RSS is its own system's.
    import torch

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    rss_after_torch_import = peak_rss_kb()

    def reply(message: Dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")

    if phase == "prepare":
        from benchmarks.prepare import prepare

        reply(prepare(spec, spec_path))
        return
    model_dir = Path(spec["model_dir"])

    started = time.perf_counter()
    system = None
    ready: Dict[str, Any] = {"ready": True}
    try:
        if phase == "inference":
            system = build_system(system_name, model_dir, training=False)
            ready["lengths"] = {
                workload: system.lengths(
                    [t for batch in spec["workloads"][workload] for t in batch]
                )
                for workload in WORKLOADS
            }
            for workload in WORKLOADS:  # warm-up, not timed
                system.predict(spec["workloads"][workload][0])
        elif phase == "training":
            system = build_system(system_name, model_dir, training=True)
            train_batches = [system.train_batch(items) for items in spec["workloads"]["train"]]
            for step in range(spec["warmup_steps"]):
                system.train_step(train_batches[step])
        elif phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}; the phases are {', '.join(PHASES)}")
        ready["setup_seconds"] = time.perf_counter() - started
        # Where the peak comes from: the interpreter with torch, then the system built (and, for
        # inference, its token counts and one warm-up batch; for training, the warm-up steps).
        ready["peak_rss_kb_after_torch_import"] = rss_after_torch_import
        ready["peak_rss_kb_after_setup"] = peak_rss_kb()
        ready["info"] = system.info() if system is not None else {}
    except Exception as error:  # reported, so that the other systems still run
        import traceback

        traceback.print_exc()
        reply({"ready": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]})
        return
    reply(ready)

    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "infer":
            batches = spec["workloads"][command["workload"]]
            labels: List[str] = []
            start = time.perf_counter()
            for batch in batches:
                labels += system.predict(batch)
            seconds = time.perf_counter() - start
            reply({"seconds": seconds, "examples": len(labels), "labels": labels})
        elif command["cmd"] == "train":
            steps = command["steps"]
            losses = []
            start = time.perf_counter()
            for step in steps:
                losses.append(system.train_step(train_batches[step]))
            seconds = time.perf_counter() - start
            lengths = [system.batch_lengths(train_batches[step]) for step in steps]
            reply(
                {
                    "seconds": seconds,
                    "examples": sum(len(n) for n in lengths),
                    "lengths": lengths,
                    "losses": losses,
                    "steps": steps,
                }
            )
        elif command["cmd"] == "gemm":
            from benchmarks.gemm import gemm_gflops

            reply(gemm_gflops())
        elif command["cmd"] == "accuracy":
            from benchmarks.accuracy import accuracy_of_archive

            reply(accuracy_of_archive(command["archive"], command["examples"]))
        elif command["cmd"] == "finish":
            reply({"peak_rss_kb": peak_rss_kb(), "torch_threads": torch.get_num_threads()})
            return


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument(
        "--system", required=True, help="a name from benchmarks.systems, or the phase's name"
    )
    parser.add_argument("--phase", required=True, choices=PHASES)
    parser.add_argument("--spec", type=Path, required=True, help="the run's spec JSON")
    args = parser.parse_args(argv)
    run_worker(args.system, args.phase, args.spec)


if __name__ == "__main__":
    main()
