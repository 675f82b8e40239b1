"""
A closed-loop HTTP load client for `benchmarks.serve_load`: `clients` threads, each with its
own keep-alive connection, send one JSON input per request, the next as soon as the last is
answered, until the inputs run out or the time limit passes; every response is checked against
its request.
"""

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy

# Seconds one request may take before it counts as an error.
REQUEST_TIMEOUT = 300


@dataclass
class Outcome:
    """One request: its input's `id`, and the answer's status, label and latency (seconds)."""

    id: Any
    latency: float
    status: Optional[int] = None
    label: Optional[str] = None
    error: Optional[str] = None


@dataclass
class LoadRun:
    clients: int
    seconds: float
    outcomes: List[Outcome] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        """Requests, requests/s, latency percentiles (ms) of answered requests, errors."""
        answered = [outcome for outcome in self.outcomes if outcome.error is None]
        latencies_ms = numpy.array([outcome.latency * 1000 for outcome in answered])
        percentiles = (
            numpy.percentile(latencies_ms, [50, 95, 99]).tolist() if len(answered) else [None] * 3
        )
        errors = [outcome for outcome in self.outcomes if outcome.error is not None]
        return {
            "clients": self.clients,
            "requests": len(self.outcomes),
            "seconds": self.seconds,
            "requests_per_second": len(answered) / self.seconds if self.seconds else None,
            "p50_ms": percentiles[0],
            "p95_ms": percentiles[1],
            "p99_ms": percentiles[2],
            "mean_ms": float(latencies_ms.mean()) if len(answered) else None,
            "errors": len(errors),
            "error_examples": sorted({outcome.error for outcome in errors})[:5],
            "all_matched": not errors,
        }


def run_load(
    host: str,
    port: int,
    path: str,
    inputs: List[Dict[str, Any]],
    clients: int,
    time_limit: float,
) -> LoadRun:
    """
    Sends each of `inputs` (JSON objects, each with a distinct `"id"`) once, as a POST to
    `path`, from `clients` concurrent clients, stopping early once `time_limit` seconds have
    passed (requests under way finish). A response counts as an error unless its status is 200
    and its JSON has the request's `"id"` and a `"label"`.
    """
    lock = threading.Lock()
    next_input = iter(inputs)
    outcomes: List[Outcome] = []
    started = time.perf_counter()
    deadline = started + time_limit

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        try:
            while time.perf_counter() < deadline:
                with lock:
                    one_input = next(next_input, None)
                if one_input is None:
                    return
                outcome = send(connection, path, one_input)
                if outcome.error is not None and outcome.status is None:
                    connection.close()  # broken: a new one for the next request
                    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadRun(clients, time.perf_counter() - started, outcomes)


def send(connection: http.client.HTTPConnection, path: str, one_input: Dict[str, Any]) -> Outcome:
    body = json.dumps(one_input).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    sent = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status, answer = response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        return Outcome(one_input["id"], time.perf_counter() - sent, error=repr(error))
    outcome = Outcome(one_input["id"], time.perf_counter() - sent, status)
    try:
        output = json.loads(answer)
    except ValueError:
        output = None
    if status != 200:
        outcome.error = f"status {status}: {answer[:200]!r}"
    elif not isinstance(output, dict) or output.get("id") != one_input["id"]:
        outcome.error = f"answer does not match its request (id {one_input['id']!r})"
    elif not isinstance(output.get("label"), str):
        outcome.error = "answer has no label"
    else:
        outcome.label = output["label"]
    return outcome
