"""
`allennlp serve` and `bert-cls-serve` as real processes: started the documented ways, answering
over HTTP, stopping cleanly on SIGTERM and SIGINT, and living beside allennlp-server.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Set

import pytest

from tests.paths import PROJECT_ROOT
from tests.serving.controlled_predictor import SLEEP_WORD
from tests.serving.server_process import (
    BIN,
    CONTROLLED_PREDICTOR,
    HOST,
    ServerProcess,
    allennlp_serve,
    bert_cls_serve,
)

pytestmark = pytest.mark.slow

LABELS = {"pos", "neg"}


def assert_serves_the_fixture_model(server: ServerProcess) -> None:
    health = server.health()
    assert health["status"] == "ok"
    response = server.post("/predict", {"sentence": "this movie is great", "id": "a"})
    assert response.status == 200, response
    assert response.json()["label"] in LABELS and response.json()["id"] == "a"
    response = server.post("/predict_batch", [{"text": "a dull plot"}, {"text": "fun"}])
    assert response.status == 200, response
    assert [output["label"] in LABELS for output in response.json()] == [True, True]


def test_allennlp_serve_from_the_project_root(fixture_archive, tmp_path):
    assert (PROJECT_ROOT / ".allennlp_plugins").read_text().split() == ["bert_cls"]
    server = ServerProcess(allennlp_serve(fixture_archive), tmp_path / "server.log").start()
    try:
        assert_serves_the_fixture_model(server)
        page = server.request("GET", "/")
        assert page.status == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<h1 id="title">bert_cls demo</h1>' in page.body.decode()
        assert '{"field_names": ["text"]}' in page.body.decode()
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.log()
    assert "Application shutdown complete" in server.log()


def test_bert_cls_serve_from_another_directory(fixture_archive, tmp_path):
    # No .allennlp_plugins here, and none in the (temporary) home directory.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    # The fixture config names its BERT by a path relative to the project root, which does not
    # resolve here: the archive holds its BERT (no -o needed).
    command = bert_cls_serve(
        fixture_archive, *["--title", "Reviews <demo>", "--field-name", "sentence"]
    )
    server = ServerProcess(command, tmp_path / "server.log", workdir, {"HOME": str(tmp_path)})
    server.start()
    try:
        assert_serves_the_fixture_model(server)
        page = server.request("GET", "/").body.decode()
        assert '<h1 id="title">Reviews &lt;demo&gt;</h1>' in page
        assert '{"field_names": ["sentence"]}' in page
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.log()


def test_the_onnx_runtime_switch_serves_the_same_predictions(fixture_archive, tmp_path):
    inputs = [{"text": "this movie is great"}, {"text": "a dull plot"}, {"text": "fun"}]
    answers = []
    for extra in ([], ["--predictor-args", '{"onnx_runtime": true}']):
        server = ServerProcess(bert_cls_serve(fixture_archive, *extra), tmp_path / "s.log").start()
        try:
            response = server.post("/predict_batch", inputs)
            assert response.status == 200, response
            answers.append(response.json())
        finally:
            assert server.stop(signal.SIGTERM) == 0, server.log()
    torch_answers, onnx_answers = answers
    for torch_answer, onnx_answer in zip(torch_answers, onnx_answers):
        assert onnx_answer["label"] == torch_answer["label"] in LABELS
        assert onnx_answer["probs"] == pytest.approx(torch_answer["probs"], abs=1e-4)


def test_static_dir_replaces_the_demo_page(fixture_archive, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<p>my own page</p>")
    (static / "app.js").write_text("console.log('mine');")
    command = bert_cls_serve(fixture_archive, "--static-dir", str(static))
    server = ServerProcess(command, tmp_path / "server.log").start()
    try:
        assert server.request("GET", "/").body == b"<p>my own page</p>"
        assert server.request("GET", "/app.js").body == b"console.log('mine');"
        assert server.request("GET", "/missing.js").status == 404
        assert_serves_the_fixture_model(server)
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.log()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_accepting_answers_requests_in_flight_and_exits_0(
    fixture_archive, tmp_path, signum
):
    command = allennlp_serve(fixture_archive, *CONTROLLED_PREDICTOR)
    server = ServerProcess(command, tmp_path / "server.log").start()
    with ThreadPoolExecutor(2) as pool:
        running = pool.submit(server.post, "/predict", {"text": f"a {SLEEP_WORD} film", "id": 1})
        server.wait_for("running", 1)
        queued = pool.submit(server.post, "/predict", {"text": "a fine film", "id": 2})
        server.wait_for("queued", 1)
        server.process.send_signal(signum)
        time.sleep(0.5)  # uvicorn looks for the signal's flag every 0.1 s
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((HOST, server.port), timeout=5)
        for future, id_ in [(running, 1), (queued, 2)]:
            response = future.result()
            assert response.status == 200, response
            assert response.json()["id"] == id_ and response.json()["label"] in LABELS
    assert server.process.wait(timeout=60) == 0, server.log()
    assert "Traceback" not in server.log()


def test_a_static_dir_that_is_not_a_directory_is_refused(fixture_archive, tmp_path):
    result = subprocess.run(
        bert_cls_serve(fixture_archive, "--static-dir", str(tmp_path / "missing")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert f"--static-dir: '{tmp_path / 'missing'}' is not a directory" in result.stderr


def help_flags(command) -> Set[str]:
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    return set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", result.stdout))


def test_bert_cls_serve_takes_the_flags_of_allennlp_serve():
    flags = help_flags([str(BIN / "allennlp"), "serve", "--help"])
    assert flags == help_flags([str(BIN / "bert-cls-serve"), "--help"])
    # allennlp-server's flags, and this server's own.
    assert flags >= {
        "--archive-path",
        "--predictor",
        "--weights-file",
        "--cuda-device",
        "-o",
        "--overrides",
        "--static-dir",
        "--title",
        "--field-name",
        "--host",
        "-p",
        "--port",
        "--include-package",
        "--max-batch-size",
        "--max-wait-ms",
        "--max-queue-size",
        "--max-body-bytes",
        "--predictor-args",
    }


# A stand-in for allennlp-server 1.0.0: its package imports its commands, which register a
# `serve` subcommand without `exist_ok`.
ALLENNLP_SERVER_STAND_IN = {
    "allennlp_server/__init__.py": "import allennlp_server.commands\n",
    "allennlp_server/commands/__init__.py": (
        "from allennlp_server.commands.server_simple import SimpleServer\n"
    ),
    "allennlp_server/commands/server_simple.py": (
        "from allennlp.commands import Subcommand\n\n"
        "@Subcommand.register('serve')\n"
        "class SimpleServer(Subcommand):\n"
        "    def add_subparser(self, parser):\n"
        "        return parser.add_parser(self.name)\n"
    ),
}


@pytest.fixture
def allennlp_server_stand_in(tmp_path) -> Path:
    for name, text in ALLENNLP_SERVER_STAND_IN.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("first", ["bert_cls", "allennlp_server"])
def test_bert_cls_and_allennlp_server_import_in_either_order(allennlp_server_stand_in, first):
    second = {"bert_cls": "allennlp_server", "allennlp_server": "bert_cls"}[first]
    # As AllenNLP's command line has them: its commands imported before any plugin (bert_cls
    # registers `serve` only then; a plain `import bert_cls` leaves AllenNLP's commands alone).
    script = (
        f"import allennlp.commands\nimport {first}, {second}\n"
        "from allennlp.commands import Subcommand\n"
        "print(Subcommand.by_name('serve').__module__)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(allennlp_server_stand_in))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "bert_cls.commands.serve"


def test_allennlp_serve_is_bert_cls_beside_allennlp_server(allennlp_server_stand_in):
    # allennlp imports allennlp-server (a default plugin) first, then .allennlp_plugins.
    env = dict(os.environ, PYTHONPATH=str(allennlp_server_stand_in))
    result = subprocess.run(
        [str(BIN / "allennlp"), "serve", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--max-batch-size" in result.stdout
