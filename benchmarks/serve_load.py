"""
Load test of `allennlp serve` (bert_cls's server, with dynamic batching) on 127.0.0.1, beside
the server a user would write instead and beside offline batch prediction, on the same texts
and the same weights, on CPU.

    .venv/bin/python -m benchmarks.serve_load --archive runs/latest/model.tar.gz
        [--quick] [--clients 1 8 32] [--requests 512] [--time-limit 90] [--threads 2]
        [--output benchmarks/results/serve_load.json]

Run from the project root, on a quiet machine. The texts are the first `--requests` emails of
the SpamAssassin validation split (`examples/spamassassin/data/validation.jsonl.gz`), each sent
as one request `{"text": ..., "id": i}`. Measured one after the other, each in its own process
with `--threads` torch threads:

1. offline: `allennlp predict ARCHIVE --batch-size 32` on the same texts, run once on all of
   them and once on one, the difference in wall time giving its texts/s without the start-up
   and archive loading;
2. `bert-cls-serve --archive-path ARCHIVE` (the same server as `allennlp serve`, default
   batching settings);
3. the peer: Hugging Face's `text-classification` pipeline on the same fine-tuned weights (the
   archive's BERT and classification layer copied into a `BertForSequenceClassification`,
   `benchmarks.hf_archive`) behind a minimal FastAPI app without batching
   (`benchmarks.pipeline_server`).

Each server gets a few warm-up requests, then for each number of concurrent clients
(`benchmarks.load_client`: closed loop, keep-alive connections) the texts are sent once each,
until they run out or `--time-limit` seconds pass: requests/s, p50/p95/p99 latency, errors
(a status other than 200, or an answer whose `id` is not its request's), and how many labels
equal the offline prediction of the same text. Goals at 32 clients: throughput at least 0.8x
offline batch-32 throughput and at least 3x the peer's, no errors, p99 latency stated.

Progress goes to stderr, the Markdown tables to stdout, everything to the `--output` JSON.
Nothing is downloaded, and nothing listens beyond 127.0.0.1. `--quick` is a smoke test on a few
texts whose numbers mean nothing.
"""

import argparse
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from benchmarks.load_client import run_load
from benchmarks.machine import machine_info
from benchmarks.paths import PROJECT_ROOT, RESULTS, SPAMASSASSIN_SPLIT, relative
from benchmarks.run_output import fill_in_defaults, progress, save_run

OUTPUT = RESULTS / "serve_load.json"
QUICK_OUTPUT = RESULTS / "serve_load_quick.json"
VALIDATION_SPLIT = SPAMASSASSIN_SPLIT / "validation.jsonl.gz"
HOST = "127.0.0.1"
BIN = Path(sys.executable).parent
OFFLINE_BATCH_SIZE = 32
GOAL_CLIENTS = 32
# Goals at GOAL_CLIENTS concurrent clients: throughput at least these multiples.
GOAL_VS_OFFLINE = 0.8
GOAL_VS_PEER = 3.0
# Seconds a server gets to load and answer /health.
START_TIMEOUT = 600

BERT_CLS = "allennlp serve (bert_cls)"
PEER = "HF pipeline + FastAPI"


def read_texts(limit: int) -> List[str]:
    """The texts of the first `limit` lines of the validation split."""
    texts = []
    with gzip.open(VALIDATION_SPLIT, "rt", encoding="utf-8") as lines:
        for line in lines:
            if len(texts) == limit:
                break
            texts.append(json.loads(line)["text"])
    return texts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def process_env(threads: int) -> Dict[str, str]:
    return dict(
        os.environ,
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        TOKENIZERS_PARALLELISM="false",
        PYTHONWARNINGS="ignore",
    )


def offline_predict(
    archive: Path, inputs: List[Dict[str, Any]], env: Dict[str, str], work: Path
) -> Dict[str, Any]:
    """`allennlp predict --batch-size 32` on `inputs`, and on the first alone (see module doc)."""
    seconds = {}
    labels: Dict[Any, str] = {}
    for name, chosen in [("one", inputs[:1]), ("all", inputs)]:
        input_file, output_file = work / f"offline_{name}.jsonl", work / f"offline_{name}.out"
        input_file.write_text("".join(json.dumps(item) + "\n" for item in chosen))
        command = [str(BIN / "allennlp"), "predict", str(archive), str(input_file)]
        command += ["--batch-size", str(OFFLINE_BATCH_SIZE), "--silent", "--cuda-device", "-1"]
        command += ["--output-file", str(output_file), "--include-package", "bert_cls"]
        progress(f"offline: allennlp predict on {len(chosen)} texts")
        started = time.perf_counter()
        subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
        seconds[name] = time.perf_counter() - started
        if name == "all":
            for line in output_file.read_text().splitlines():
                output = json.loads(line)
                labels[output["id"]] = output["label"]
    predicted = len(inputs) - 1
    difference = seconds["all"] - seconds["one"]
    return {
        "command": f"allennlp predict ARCHIVE INPUT --batch-size {OFFLINE_BATCH_SIZE}",
        "texts": len(inputs),
        "seconds_all": seconds["all"],
        "seconds_one": seconds["one"],
        "texts_per_second": predicted / difference if predicted and difference > 0 else None,
        "labels": labels,
    }


class Server:
    """A server process on 127.0.0.1 (`command` without its port), ready once /health is 200."""

    def __init__(self, command: List[str], env: Dict[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.log_file = log_file
        with open(log_file, "wb") as log:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{command[0]} exited; its log:\n{log_file.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit(f"{command[0]} did not start in {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def measure_server(
    name: str,
    server: Server,
    inputs: List[Dict[str, Any]],
    clients: Sequence[int],
    time_limit: float,
    warmup: int,
    offline_labels: Dict[Any, str],
) -> Dict[str, Any]:
    """The load runs of one server at each number of `clients` (see module doc)."""
    warm = [{"text": item["text"], "id": f"warmup-{i}"} for i, item in enumerate(inputs[:warmup])]
    run_load(HOST, server.port, "/predict", warm, 1, time_limit)
    levels = []
    for count in clients:
        run = run_load(HOST, server.port, "/predict", inputs, count, time_limit)
        summary = run.summary()
        labelled = [outcome for outcome in run.outcomes if outcome.label is not None]
        same = sum(offline_labels.get(outcome.id) == outcome.label for outcome in labelled)
        summary["labels_as_offline"] = same
        summary["labelled"] = len(labelled)
        levels.append(summary)
        progress(
            f"{name}, {count} clients: {summary['requests']} requests, "
            f"{summary['requests_per_second']:.1f} req/s, p99 {summary['p99_ms']:.0f} ms, "
            f"{summary['errors']} errors"
        )
    return {"levels": levels}


def level(result: Dict[str, Any], clients: int) -> Optional[Dict[str, Any]]:
    return next((item for item in result["levels"] if item["clients"] == clients), None)


def evaluate_goals(
    served: Dict[str, Any], peer: Dict[str, Any], offline: Dict[str, Any]
) -> List[Dict[str, Any]]:
    """The goals at `GOAL_CLIENTS` clients, each with its measured value and whether it is met."""
    ours, theirs = level(served, GOAL_CLIENTS), level(peer, GOAL_CLIENTS)
    if ours is None:
        return [{"name": f"no run at {GOAL_CLIENTS} clients", "met": False}]
    rps = ours["requests_per_second"]
    vs_offline = rps / offline["texts_per_second"] if offline["texts_per_second"] else None
    vs_peer = (
        rps / theirs["requests_per_second"] if theirs and theirs["requests_per_second"] else None
    )
    return [
        {
            "name": f"throughput at {GOAL_CLIENTS} clients / offline batch-{OFFLINE_BATCH_SIZE}",
            "target": f">= {GOAL_VS_OFFLINE}x",
            "value": vs_offline,
            "met": vs_offline is not None and vs_offline >= GOAL_VS_OFFLINE,
        },
        {
            "name": f"throughput at {GOAL_CLIENTS} clients / {PEER} at {GOAL_CLIENTS} clients",
            "target": f">= {GOAL_VS_PEER}x",
            "value": vs_peer,
            "met": vs_peer is not None and vs_peer >= GOAL_VS_PEER,
        },
        {
            "name": f"errors at {GOAL_CLIENTS} clients",
            "target": "0",
            "value": ours["errors"],
            "met": ours["errors"] == 0 and ours["requests"] > 0,
        },
        {
            "name": f"p99 latency at {GOAL_CLIENTS} clients (ms)",
            "target": "stated",
            "value": ours["p99_ms"],
            "met": ours["p99_ms"] is not None,
        },
    ]


def number(value: Optional[float], digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def report(result: Dict[str, Any]) -> str:
    """The Markdown tables of a run: one row per system and number of clients, then the goals."""
    lines = [
        "| system | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | "
        "labels as offline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, measured in result["servers"].items():
        for item in measured["levels"]:
            lines.append(
                f"| {name} | {item['clients']} | {item['requests']} | "
                f"{number(item['requests_per_second'])} | {number(item['p50_ms'], 0)} | "
                f"{number(item['p95_ms'], 0)} | {number(item['p99_ms'], 0)} | {item['errors']} | "
                f"{item['labels_as_offline']}/{item['labelled']} |"
            )
    offline = result["offline"]
    lines.append(
        f"| allennlp predict --batch-size {OFFLINE_BATCH_SIZE} (offline) | – | {offline['texts']} "
        f"| {number(offline['texts_per_second'])} texts/s | | | | | |"
    )
    lines += ["", "| goal | target | measured | met |", "|---|---|---:|---|"]
    for goal in result["goals"]:
        value = goal.get("value")
        shown = number(value, 2) if isinstance(value, float) else str(value)
        lines.append(
            f"| {goal['name']} | {goal.get('target', '')} | {shown} | "
            f"{'yes' if goal['met'] else 'no'} |"
        )
    return "\n".join(lines)


def run_benchmark(args: argparse.Namespace) -> Dict[str, Any]:
    from allennlp.models.archival import load_archive

    import bert_cls  # noqa: F401  (registers the archive's classes)
    from benchmarks.hf_archive import save_as_hugging_face

    started = time.perf_counter()
    archive_path = args.archive.resolve()
    texts = read_texts(args.requests)
    inputs = [{"text": text, "id": i} for i, text in enumerate(texts)]
    env = process_env(args.threads)
    machine = machine_info(args.threads)
    settings = {
        "quick": args.quick,
        "archive": str(args.archive),
        "texts": f"first {len(texts)} of {relative(VALIDATION_SPLIT)}",
        "clients": args.clients,
        "requests_per_level": args.requests,
        "time_limit_per_level_seconds": args.time_limit,
        "warmup_requests": args.warmup,
        "threads": args.threads,
        "offline_batch_size": OFFLINE_BATCH_SIZE,
        "server_command": "bert-cls-serve --archive-path ARCHIVE (default batching)",
    }
    with tempfile.TemporaryDirectory(prefix="serve_load-") as work:
        work_dir = Path(work)
        log_dir = args.log_dir or work_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        offline = offline_predict(archive_path, inputs, env, work_dir)
        progress(f"offline: {number(offline['texts_per_second'])} texts/s")

        progress(f"{PEER}: copying the archive's weights into a BertForSequenceClassification")
        copy = save_as_hugging_face(load_archive(str(archive_path)), work_dir / "hf_model")
        settings["peer_model"] = {"labels": copy.labels, "max_length": copy.max_length}

        servers = {}
        commands = {
            BERT_CLS: [str(BIN / "bert-cls-serve"), "--archive-path", str(archive_path)],
            PEER: [sys.executable, "-m", "benchmarks.pipeline_server"]
            + ["--model-dir", str(copy.directory)],
        }
        for name, command in commands.items():
            progress(f"{name}: starting")
            server = Server(command, env, log_dir / f"{name.split()[0]}.log")
            try:
                servers[name] = measure_server(
                    name,
                    server,
                    inputs,
                    args.clients,
                    args.time_limit,
                    args.warmup,
                    offline["labels"],
                )
            finally:
                server.stop()
    labels = offline.pop("labels")
    offline["labelled"] = len(labels)
    return {
        "command": " ".join([sys.executable, "-m", "benchmarks.serve_load", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "wall_seconds": time.perf_counter() - started,
        "machine": {**machine, "load_average_at_end": os.getloadavg()},
        "settings": settings,
        "offline": offline,
        "servers": servers,
        "goals": evaluate_goals(servers[BERT_CLS], servers[PEER], offline),
    }


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.serve_load", description=__doc__.strip().split("\n\n")[0]
    )
    parser.add_argument(
        "--archive", type=Path, required=True, help="the bert_cls model.tar.gz to serve"
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 24 texts, 20 s per level")
    parser.add_argument(
        "--clients",
        type=int,
        nargs="+",
        default=[1, 8, GOAL_CLIENTS],
        help=f"numbers of concurrent clients (default 1 8 {GOAL_CLIENTS})",
    )
    parser.add_argument(
        "--requests", type=int, default=None, help="texts sent per level (default 512)"
    )
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per level at most (default 90)"
    )
    parser.add_argument(
        "--warmup", type=int, default=None, help="warm-up requests per server (default 8)"
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="torch threads of every process (default 2)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"the JSON (default {relative(OUTPUT)}, with --quick {relative(QUICK_OUTPUT)})",
    )
    parser.add_argument("--log-dir", type=Path, default=None, help="keep the servers' logs here")
    args = parser.parse_args(argv)
    defaults = {"requests": (24, 512), "time_limit": (20.0, 90.0), "warmup": (2, 8)}
    return fill_in_defaults(args, defaults, OUTPUT, QUICK_OUTPUT)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    result = run_benchmark(args)
    save_run(result, report(result), args.output)


if __name__ == "__main__":
    main()
