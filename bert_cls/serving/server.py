"""
Loading the served model from an archive, and running the app with uvicorn until SIGTERM or
SIGINT.
"""

import contextlib
import signal
from typing import Any, Dict, Iterator, Optional, Union

import uvicorn
from allennlp.common.checks import check_for_gpu
from allennlp.models.archival import Archive, load_archive
from allennlp.predictors import Predictor
from fastapi import FastAPI


def load_served_archive(
    archive_path: str,
    weights_file: Optional[str] = None,
    cuda_device: int = -1,
    overrides: Union[str, Dict, None] = "",
) -> Archive:
    """The archive to serve, loaded as `allennlp predict` loads it (same arguments)."""
    check_for_gpu(cuda_device)
    return load_archive(
        archive_path, weights_file=weights_file, cuda_device=cuda_device, overrides=overrides or ""
    )


def served_predictor(
    archive: Archive,
    predictor_name: Optional[str] = None,
    predictor_args: Optional[Dict[str, Any]] = None,
) -> Predictor:
    """
    The predictor named `predictor_name` on `archive` (by default the model's own), built with
    the keyword arguments `predictor_args` (e.g. `{"onnx_runtime": True}`).
    """
    return Predictor.from_archive(archive, predictor_name, extra_args=predictor_args or {})


def run_server(
    app: FastAPI,
    host: str,
    port: int,
    log_level: str = "info",
    shutdown_timeout: Optional[float] = None,
) -> None:
    """
    Serves `app` on `host:port` with uvicorn, and returns after a graceful shutdown: on SIGTERM
    or SIGINT it stops accepting connections, answers the requests in flight (for at most
    `shutdown_timeout` seconds; `None`: however long they take), stops the app (its lifespan's
    end), and returns, so the process can exit with status 0. A second SIGINT cancels what is
    left. If the server cannot start (the port is taken, say), uvicorn logs why and exits with
    status 1.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=shutdown_timeout,
    )
    server = uvicorn.Server(config)
    with _signals_stop(server):
        server.run()


@contextlib.contextmanager
def _signals_stop(server: uvicorn.Server) -> Iterator[None]:
    # uvicorn handles SIGTERM and SIGINT while it serves, then restores the handlers it found and
    # raises the signal again, which with Python's default handlers ends the process by the
    # signal (or a KeyboardInterrupt) instead of with status 0. These handlers take that second
    # raise, and a signal that comes before uvicorn's handlers are in place.
    def stop(signum: int, frame: object) -> None:
        server.should_exit = True

    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, stop) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
