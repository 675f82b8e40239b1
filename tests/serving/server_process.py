"""
A real `allennlp serve` or `bert-cls-serve` process on 127.0.0.1 for tests, and an HTTP client
for it (http.client).
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

from tests.paths import PROJECT_ROOT

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Seconds a server gets to load its archive and answer /health.
START_TIMEOUT = 240
# The test predictor of `tests.serving.controlled_predictor`, and how to load it.
CONTROLLED_PREDICTOR = ["--include-package", "tests.serving.controlled_predictor"]
CONTROLLED_PREDICTOR += ["--predictor", "serving_test_controlled"]


class Response(NamedTuple):
    status: int
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class ServerProcess:
    """
    `command` (an `allennlp serve` or `bert-cls-serve` command line, given without `--port`)
    started in `cwd` on a free port, with `env` added to the environment, its output in
    `log_file`. `start()` returns once `/health`
    answers 200; `stop(signum)` signals it and returns its exit status.
    """

    def __init__(
        self,
        command: Sequence[str],
        log_file: Path,
        cwd: Path = PROJECT_ROOT,
        env: Optional[Dict[str, str]] = None,
    ):
        self.port = free_port()
        self.command = [*command, "--port", str(self.port)]
        self.log_file = log_file
        self.cwd = cwd
        self.env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", **(env or {}))
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "ServerProcess":
        with open(self.log_file, "wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{' '.join(self.command)} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                if self.request("GET", "/health", timeout=5).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop(signal.SIGKILL)
        raise AssertionError(f"{' '.join(self.command)} did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")[-6000:]

    def request(
        self,
        method: str,
        path: str,
        body: Union[bytes, str, None] = None,
        headers: Optional[Dict[str, str]] = None,
        timeout: float = 60,
    ) -> Response:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Response(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def post(self, path: str, value: Any, timeout: float = 60) -> Response:
        """POSTs `value` as JSON."""
        return self.request(
            "POST",
            path,
            json.dumps(value),
            {"Content-Type": "application/json"},
            timeout=timeout,
        )

    def health(self) -> Dict[str, Any]:
        response = self.request("GET", "/health", timeout=10)
        assert response.status == 200, response
        return response.json()

    def wait_for(self, key: str, value: int, timeout: float = 30) -> None:
        """Waits until `/health` shows `key` (`queued`, `running`) at `value`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.health()[key] == value:
                return
            time.sleep(0.02)
        raise AssertionError(f"/health never showed {key} = {value}: {self.health()}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the server did not stop on signal {signum}:\n{self.log()}")


def allennlp_serve(archive: Path, *args: str) -> List[str]:
    """`allennlp serve --archive-path archive --include-package bert_cls *args`."""
    command = [str(BIN / "allennlp"), "serve", "--archive-path", str(archive)]
    return [*command, "--include-package", "bert_cls", *args]


def bert_cls_serve(archive: Path, *args: str) -> List[str]:
    """The `bert-cls-serve` console script on `archive`."""
    return [str(BIN / "bert-cls-serve"), "--archive-path", str(archive), *args]
