"""
A real `allennlp serve` process on the fixture archive, talked to over HTTP: predictions, bad
requests (each gets its status, and the server goes on answering), a full queue, failing
inputs, and concurrent requests gathered into batches.
"""

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest
from allennlp.predictors import Predictor

from tests.serving.controlled_predictor import CRASH_WORD, FAIL_WORD, SLEEP_WORD
from tests.serving.server_process import (
    CONTROLLED_PREDICTOR,
    HOST,
    Response,
    ServerProcess,
    allennlp_serve,
)

pytestmark = pytest.mark.slow

MAX_QUEUE_SIZE = 16
GOOD = {"text": "I love this movie !", "id": "good"}
SLEEPY = {"text": f"a {SLEEP_WORD} film", "id": "sleepy"}
LABELS = {"pos", "neg"}


@pytest.fixture(scope="module")
def server(fixture_archive, tmp_path_factory):
    log = tmp_path_factory.mktemp("http") / "server.log"
    command = allennlp_serve(
        fixture_archive, *CONTROLLED_PREDICTOR, "--max-queue-size", str(MAX_QUEUE_SIZE)
    )
    process = ServerProcess(command, log).start()
    yield process
    assert process.stop() == 0, process.log()


def assert_still_answers(server: ServerProcess) -> None:
    response = server.post("/predict", GOOD)
    assert response.status == 200, response
    assert response.json()["label"] in LABELS
    assert response.json()["id"] == "good"


def batch_sizes(server: ServerProcess) -> Dict[str, int]:
    return server.health()["batches"]["sizes"]


def test_health_reports_the_batching_settings(server):
    health = server.health()
    assert health["status"] == "ok"
    assert health["batching"] == {"max_batch_size": 32, "max_wait_ms": 5.0, "max_queue_size": 16}


def test_predict_answers_the_predictors_output(server, fixture_archive):
    predictor = Predictor.from_path(str(fixture_archive))
    for one_input in [{"text": "this movie is great"}, {"sentence": "a dull plot", "id": 7}]:
        response = server.post("/predict", one_input)
        assert response.status == 200, response
        assert response.headers["content-type"] == "application/json"
        expected = predictor.predict_json(one_input)
        output = response.json()
        assert output.keys() == expected.keys()
        assert output["label"] == expected["label"]
        assert output["probs"] == pytest.approx(expected["probs"], abs=1e-5)
        assert output["label_probs"].keys() == expected["label_probs"].keys() == LABELS
        assert output.get("id") == one_input.get("id")


def test_predict_batch_answers_in_order_with_an_error_record_per_bad_input(server):
    inputs: List[Any] = [
        {"text": "this movie is great", "id": 1},
        {"text": ""},
        "not an object",
        {"sentence": "a dull plot", "id": "b"},
        {"text": 5, "id": "n"},
    ]
    response = server.post("/predict_batch", inputs)
    assert response.status == 200, response
    outputs = response.json()
    assert len(outputs) == 5
    assert outputs[0]["id"] == 1 and outputs[0]["label"] in LABELS
    assert outputs[3]["id"] == "b" and outputs[3]["label"] in LABELS
    assert outputs[1] == {
        "error": "the text has no words: it is empty or only whitespace and control characters",
        "index": 1,
    }
    assert outputs[2] == {
        "error": "input 2 must be a JSON object, got a string: '\"not an object\"'",
        "index": 2,
    }
    assert outputs[4] == {
        "error": "'text' must be a string, got a number ('5')",
        "index": 4,
        "id": "n",
    }
    alone = server.post("/predict", {"text": "this movie is great"}).json()
    assert outputs[0]["probs"] == pytest.approx(alone["probs"], abs=1e-5)
    assert server.post("/predict_batch", []).json() == []


# name: (path, body, status, what the error must say)
BAD_REQUESTS = {
    "not_json": ("/predict", '{"text": ', 400, "request body is not valid JSON (Expecting value"),
    "empty_body": ("/predict", "", 400, "request body is not valid JSON (Expecting value"),
    "not_utf8": (
        "/predict",
        b'{"text": "\xff"}',
        400,
        "request body is not valid UTF-8 (byte 0xff at position 11)",
    ),
    "nested_too_deep": ("/predict", "[" * 100_000, 400, "not valid JSON (RecursionError"),
    "array_to_predict": (
        "/predict",
        '["a", "b"]',
        400,
        "request body must be a JSON object (one prediction input), got an array",
    ),
    "string_to_predict": ("/predict", '"just text"', 400, "JSON object (one prediction input)"),
    "object_to_predict_batch": (
        "/predict_batch",
        '{"text": "a"}',
        400,
        "request body must be a JSON array of prediction inputs (objects), got an object",
    ),
    "no_text_key": ("/predict", '{"body": "hi"}', 400, "needs a 'sentence' or 'text' key"),
    "number_text": ("/predict", '{"text": 42}', 400, "'text' must be a string, got a number"),
    "null_text": ("/predict", '{"sentence": null}', 400, "'sentence' must be a string, got null"),
    "empty_text": ("/predict", '{"text": ""}', 400, "the text has no words"),
    "whitespace_text": (
        "/predict",
        '{"text": " \\t\\n\\u00a0\\u3000 "}',
        400,
        "the text has no words",
    ),
    "control_text": ("/predict", '{"text": "\\u0000\\u200b"}', 400, "the text has no words"),
    "over_the_size_limit": (
        "/predict",
        json.dumps({"text": "word " * 200_000}),
        413,
        "request body is 1000012 bytes, over the server's limit of 1000000 bytes",
    ),
    "batch_over_the_queue_size": (
        "/predict_batch",
        json.dumps([GOOD] * (MAX_QUEUE_SIZE + 1)),
        413,
        "17 inputs in one request are more than the server queues (16)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_request_gets_its_status_and_the_server_goes_on(server, case):
    path, body, status, message = BAD_REQUESTS[case]
    response = server.request("POST", path, body, {"Content-Type": "application/json"})
    assert response.status == status, response
    assert message in response.json()["error"]
    assert_still_answers(server)


def test_body_over_the_size_limit_without_content_length_gets_413(server):
    body = json.dumps({"text": "word " * 200_000}).encode()
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    connection = http.client.HTTPConnection(HOST, server.port)
    connection.request("POST", "/predict", body=chunks, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413
    assert "over the server's limit of 1000000 bytes" in json.loads(response.read())["error"]
    connection.close()
    assert_still_answers(server)


def test_wrong_method_and_unknown_path_get_json_errors(server):
    response = server.request("GET", "/predict")
    assert (response.status, response.json()) == (405, {"error": "Method Not Allowed"})
    response = server.request("GET", "/nothing")
    assert (response.status, response.json()) == (404, {"error": "Not Found"})
    assert_still_answers(server)


def test_full_queue_gets_503_with_retry_after(server):
    with ThreadPoolExecutor(2) as pool:
        sleepy = pool.submit(server.post, "/predict", SLEEPY)
        server.wait_for("running", 1)
        queued = pool.submit(server.post, "/predict_batch", [GOOD] * MAX_QUEUE_SIZE)
        server.wait_for("queued", MAX_QUEUE_SIZE)
        refused = server.post("/predict", GOOD)
        assert refused.status == 503, refused
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"] == (
            "the server's queue is full (16 of 16 inputs waiting); retry later"
        )
        assert sleepy.result().status == 200
        assert queued.result().status == 200
        assert [output["id"] for output in queued.result().json()] == ["good"] * MAX_QUEUE_SIZE
    assert_still_answers(server)


def queue_behind_a_sleepy_request(server: ServerProcess, inputs: List[dict]) -> List[Response]:
    """
    Sends each of `inputs` as its own request while the model is busy with a slow one, so that
    they wait together and then run as one batch; returns their responses.
    """
    with ThreadPoolExecutor(len(inputs) + 1) as pool:
        sleepy = pool.submit(server.post, "/predict", SLEEPY)
        server.wait_for("running", 1)
        futures = [pool.submit(server.post, "/predict", one_input) for one_input in inputs]
        server.wait_for("queued", len(inputs))
        assert sleepy.result().status == 200
        return [future.result() for future in futures]


def test_an_input_the_model_fails_on_fails_only_its_own_request(server):
    sizes_before = batch_sizes(server)
    inputs = [
        {"text": "this movie is great", "id": "first"},
        {"text": f"please {FAIL_WORD}", "id": "bad"},
        {"text": "a dull plot", "id": "last"},
    ]
    first, bad, last = queue_behind_a_sleepy_request(server, inputs)
    assert batch_sizes(server).get("3", 0) == sizes_before.get("3", 0) + 1
    assert first.status == last.status == 200
    assert (first.json()["id"], last.json()["id"]) == ("first", "last")
    assert bad.status == 400
    assert bad.json() == {
        "error": "the model could not predict this input "
        f"(RuntimeError: the model cannot take the word '{FAIL_WORD}')",
        "id": "bad",
    }
    assert_still_answers(server)


def test_an_input_the_predictor_crashes_on_fails_only_its_own_request(server):
    inputs = [{"text": f"a {CRASH_WORD}", "id": "bad"}, {"text": "a good film", "id": "fine"}]
    bad, fine = queue_behind_a_sleepy_request(server, inputs)
    assert bad.status == 500
    assert bad.json()["error"] == (
        "the server failed to predict this input "
        f"(RuntimeError: the predictor crashed on the word '{CRASH_WORD}')"
    )
    assert fine.status == 200 and fine.json()["id"] == "fine"
    assert_still_answers(server)


# As many as the server's queue holds: sent at once, none is refused.
TEXTS = [
    f"{adjective} {noun} , {adverb} {verb}"
    for adjective in ("a great", "the worst")
    for noun in ("movie", "plot")
    for adverb in ("really", "never")
    for verb in ("works", "bores me")
]
assert len(TEXTS) == MAX_QUEUE_SIZE


def test_concurrent_requests_each_get_their_own_result(server):
    inputs = [{"text": text, "id": i} for i, text in enumerate(TEXTS)]
    alone = {one_input["id"]: server.post("/predict", one_input).json() for one_input in inputs}
    barrier = threading.Barrier(len(inputs))

    def send(one_input: dict) -> Response:
        barrier.wait()
        return server.post("/predict", one_input)

    with ThreadPoolExecutor(len(inputs)) as pool:
        responses = list(pool.map(send, inputs))
    for one_input, response in zip(inputs, responses):
        assert response.status == 200, response
        output = response.json()
        assert output["id"] == one_input["id"]
        assert output["label"] == alone[one_input["id"]]["label"]
        assert output["probs"] == pytest.approx(alone[one_input["id"]]["probs"], abs=1e-4)


def test_requests_waiting_together_run_as_one_batch(server):
    sizes_before = batch_sizes(server)
    inputs = [{"text": text, "id": i} for i, text in enumerate(TEXTS[:12])]
    responses = queue_behind_a_sleepy_request(server, inputs)
    assert [response.json()["id"] for response in responses] == list(range(12))
    assert batch_sizes(server).get("12", 0) == sizes_before.get("12", 0) + 1
    assert server.health()["batches"]["largest"] >= 12
