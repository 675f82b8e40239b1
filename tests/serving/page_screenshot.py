"""
A screenshot of the demo page showing a prediction, taken in headless Chromium (the README's
`docs/serve_page.png`). Run from the project root:

    python -m tests.serving.page_screenshot docs/serve_page.png [--archive model.tar.gz]
        [--text "..."] [--title "..."]

Without `--archive` it trains the fixture config into a temporary directory and serves that.
"""

import argparse
import signal
import tempfile
from pathlib import Path

from tests.cli import train
from tests.serving.browser import DemoPage, chromium
from tests.serving.server_process import ServerProcess, allennlp_serve

DEFAULT_TEXT = "I love this movie , the cast is great !"
# Width and height in pixels: the page with one text box and its result, little else.
WINDOW_SIZE = (900, 480)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="the PNG file to write")
    parser.add_argument("--archive", type=Path, help="the archive to serve (default: fixture)")
    parser.add_argument("--text", default=DEFAULT_TEXT, help="the text to predict")
    parser.add_argument("--title", default="bert_cls demo", help="the page's heading")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bert_cls-screenshot-") as work:
        archive = args.archive
        if archive is None:
            train(Path(work) / "run")
            archive = Path(work) / "run" / "model.tar.gz"
        command = allennlp_serve(archive.resolve(), "--title", args.title)
        server = ServerProcess(command, Path(work) / "server.log").start()
        try:
            with chromium() as driver:
                driver.set_window_size(*WINDOW_SIZE)
                page = DemoPage(driver, f"http://127.0.0.1:{server.port}/")
                page.predict({page.field_names()[0]: args.text})
                print(f"The page shows the label {page.label()!r}")
                args.output.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(args.output))
        finally:
            server.stop(signal.SIGTERM)
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
