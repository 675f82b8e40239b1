"""
`benchmarks.serve_load` and its parts: the Hugging Face copy of an archive predicts what the
archive predicts, the load client checks every answer against its request, the goals and the
table, and a whole run on a few texts of the fixture archive.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor
from transformers import BertForSequenceClassification, BertTokenizerFast, pipeline

from benchmarks import serve_load
from benchmarks.hf_archive import save_as_hugging_face
from benchmarks.load_client import run_load

TEXTS = ["I love this movie !", "a dull , boring plot", "Unbelievably bad acting ."]


def test_the_hugging_face_copy_predicts_what_the_archive_predicts(fixture_archive, tmp_path):
    archive = load_archive(str(fixture_archive))
    copy = save_as_hugging_face(archive, tmp_path / "hf")
    predictor = Predictor.from_archive(archive)
    assert copy.labels == ["pos", "neg"] and copy.max_length == 64 and copy.do_lower_case

    model = BertForSequenceClassification.from_pretrained(str(copy.directory)).eval()
    tokenizer = BertTokenizerFast.from_pretrained(str(copy.directory))
    with torch.no_grad():
        logits = model(**tokenizer(TEXTS, padding=True, return_tensors="pt")).logits
    classifier = pipeline("text-classification", model=str(copy.directory))
    for text, row in zip(TEXTS, logits.tolist()):
        expected = predictor.predict_json({"text": text})
        assert row == pytest.approx(expected["logits"], abs=1e-4)
        assert classifier(text, truncation=True)[0]["label"] == expected["label"]
    long_text = " ".join(["word"] * 500)
    assert len(tokenizer(long_text, truncation=True)["input_ids"]) == 64


class EchoHandler(BaseHTTPRequestHandler):
    """Answers `{"id": ..., "label": "x"}`; for id 3 the wrong id, for id 4 a 400."""

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, answer = 200, {"id": request["id"], "label": "x"}
        if request["id"] == 3:
            answer["id"] = 99
        elif request["id"] == 4:
            status, answer = 400, {"error": "bad"}
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_load_client_checks_every_answer_against_its_request():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        inputs = [{"text": "t", "id": i} for i in range(20)]
        run = run_load("127.0.0.1", server.server_address[1], "/predict", inputs, 4, 60)
    finally:
        server.shutdown()
    assert sorted(outcome.id for outcome in run.outcomes) == list(range(20))
    summary = run.summary()
    assert summary["requests"] == 20 and summary["errors"] == 2
    assert summary["error_examples"] == [
        "answer does not match its request (id 3)",
        'status 400: b\'{"error": "bad"}\'',
    ]
    assert not summary["all_matched"]
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]


def level(clients, rps):
    return {"clients": clients, "requests_per_second": rps, "errors": 0, "requests": 64}


def test_goals_compare_32_clients_with_offline_and_the_peer():
    served = {"levels": [level(1, 10.0), {**level(32, 90.0), "p99_ms": 300.0}]}
    peer = {"levels": [level(32, 25.0)]}
    goals = serve_load.evaluate_goals(served, peer, {"texts_per_second": 100.0})
    assert [(goal["value"], goal["met"]) for goal in goals] == [
        (0.9, True),
        (3.6, True),
        (0, True),
        (300.0, True),
    ]
    served["levels"][1].update(requests_per_second=70.0, errors=1)
    goals = serve_load.evaluate_goals(served, peer, {"texts_per_second": 100.0})
    assert [goal["met"] for goal in goals] == [False, False, False, True]


@pytest.mark.slow
def test_a_quick_run_on_the_fixture_archive(fixture_archive, tmp_path):
    output = tmp_path / "serve_load.json"
    serve_load.main(
        ["--archive", str(fixture_archive), "--quick", "--requests", "6", "--clients", "1", "32"]
        + ["--output", str(output)]
    )
    result = json.loads(output.read_text())
    assert list(result["servers"]) == [serve_load.BERT_CLS, serve_load.PEER]
    for name, measured in result["servers"].items():
        assert [item["clients"] for item in measured["levels"]] == [1, 32]
        for item in measured["levels"]:
            assert item["requests"] == item["labelled"] == 6 and item["errors"] == 0
            if name == serve_load.BERT_CLS:
                assert item["labels_as_offline"] == 6
    assert result["offline"]["texts"] == 6 and result["offline"]["labelled"] == 6
    assert [goal["name"] for goal in result["goals"]][2:] == [
        "errors at 32 clients",
        "p99 latency at 32 clients (ms)",
    ]
    assert "| allennlp serve (bert_cls) | 32 | 6 |" in result["report_markdown"]
