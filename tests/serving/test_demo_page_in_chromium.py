"""
The demo page in a real headless Chromium against a real server: type a text, press Predict,
read the label and the bars; an empty text shows the server's error.
"""

import signal

import pytest

from tests.serving.server_process import ServerProcess, allennlp_serve

browser = pytest.importorskip("tests.serving.browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        browser.missing_browser() is not None, reason=str(browser.missing_browser())
    ),
]


@pytest.fixture(scope="module")
def driver():
    with browser.chromium() as driver:
        yield driver


def serve(archive, tmp_path, *args: str) -> ServerProcess:
    return ServerProcess(allennlp_serve(archive, *args), tmp_path / "server.log").start()


def test_the_page_shows_the_label_and_a_bar_per_label_or_the_error(
    driver, fixture_archive, tmp_path
):
    server = serve(fixture_archive, tmp_path, "--title", "Movie reviews")
    try:
        page = browser.DemoPage(driver, f"http://127.0.0.1:{server.port}/")
        assert page.heading() == "Movie reviews"
        assert driver.title == "Movie reviews"
        assert page.field_names() == ["text"]

        text = "I love this movie , the cast is great !"
        page.predict({"text": text})
        expected = server.post("/predict", {"text": text}).json()
        assert page.label() == expected["label"]
        bars = page.bars()
        assert {label for label, _ in bars} == {"pos", "neg"}
        assert bars[0][0] == expected["label"]
        for label, percent in bars:
            assert percent == pytest.approx(100 * expected["label_probs"][label], abs=0.05)

        page.predict({"text": ""})
        assert page.error() == (
            "Error 400: the text has no words: it is empty or only whitespace and control "
            "characters"
        )
        assert not page.result_shown()

        page.predict({"text": "a dull , boring plot"})
        assert page.label() in {"pos", "neg"}
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.log()


def test_a_pair_model_page_has_a_box_per_text(driver, pair_fixture_archive, tmp_path):
    server = serve(pair_fixture_archive, tmp_path)
    try:
        page = browser.DemoPage(driver, f"http://127.0.0.1:{server.port}/")
        assert page.field_names() == ["text", "text_pair"]
        texts = {"text": "this movie is great", "text_pair": "I love it"}
        page.predict(texts)
        assert page.label() == server.post("/predict", texts).json()["label"]
        assert {label for label, _ in page.bars()} == {"same", "different"}

        page.predict({"text": "this movie is great", "text_pair": "  "})
        assert page.error() == (
            "Error 400: 'text_pair' has no words: it is empty or only whitespace and control "
            "characters."
        )
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.log()
