"""
`allennlp serve` and the `bert-cls-serve` console script: serve a trained archive over HTTP,
with dynamic batching and a demo page (`bert_cls.serving`).

    allennlp serve --archive-path model.tar.gz --include-package bert_cls [--port 8000] ...
    bert-cls-serve --archive-path model.tar.gz [--port 8000] ...
    python -m bert_cls.commands.serve --archive-path model.tar.gz ...

AllenNLP 2.10 finds a plugin's subcommand only when the plugin is named in `.allennlp_plugins`
in the working directory or in `~/.allennlp/plugins` (`--include-package` is read after the
subcommand is chosen), so `allennlp serve` works from such a directory; `bert-cls-serve` takes
the same flags and works from any directory.

allennlp-server, when installed, also registers a `serve` subcommand (its Flask server). Both
packages import, in either order: this module imports allennlp-server first, when it is
installed, and then registers its own `serve` over allennlp-server's (`exist_ok`), so
`allennlp serve` is this one wherever AllenNLP's command line loads bert_cls. (A plain
`import bert_cls` from Python registers no subcommand: `bert_cls/__init__.py` imports this
module only when AllenNLP's commands are loaded.)
"""

import argparse
import importlib.util
import json
import logging
from pathlib import Path
from typing import Optional, Sequence

from allennlp.commands import ArgumentParserWithDefaults
from allennlp.commands.subcommand import Subcommand
from allennlp.common.plugins import import_plugins
from allennlp.common.util import import_module_and_submodules
from overrides import overrides

from bert_cls.serving.batcher import BatchingSettings
from bert_cls.serving.demo_page import DEFAULT_TITLE, default_field_names
from bert_cls.serving.request_body import DEFAULT_MAX_BODY_BYTES

logger = logging.getLogger(__name__)

DESCRIPTION = (
    "Serve a trained model over HTTP: POST /predict (one JSON input), POST /predict_batch "
    "(a JSON array), GET /health, and a demo page at /. Concurrent requests are predicted "
    "together in dynamic batches."
)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_BATCHING = BatchingSettings()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error})")
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("not a JSON object")
    return value


def _directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is not a directory")
    return path


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds the flags of `allennlp serve` (all but `--include-package`) to `parser`."""
    parser.add_argument(
        "--archive-path", required=True, help="the trained model archive (model.tar.gz) to serve"
    )
    parser.add_argument(
        "--predictor", help="registered name of the predictor (default: the model's own)"
    )
    parser.add_argument(
        "--predictor-args",
        type=_json_object,
        default={},
        help="a JSON object of keyword arguments for the predictor, as for `allennlp predict`; "
        "e.g. '{\"onnx_runtime\": true}' (ONNX Runtime), '{\"quantize_int8\": true}' (int8)",
    )
    parser.add_argument("--weights-file", help="a weights file to use instead of the archive's")
    parser.add_argument(
        "--cuda-device", type=int, default=-1, help="id of the GPU to use; -1: the CPU"
    )
    parser.add_argument(
        "-o",
        "--overrides",
        default="",
        help="a JSON structure used to override the archive's configuration",
    )
    parser.add_argument(
        "--static-dir", type=_directory, help="serve this directory at / instead of the demo page"
    )
    parser.add_argument("--title", default=DEFAULT_TITLE, help="demo page heading")
    parser.add_argument(
        "--field-name",
        action="append",
        dest="field_names",
        metavar="FIELD_NAME",
        help="an input key the demo page has a text box for; repeat for more (default: 'text', "
        "or the reader's two text keys for a sentence-pair model)",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface to serve on")
    parser.add_argument(
        "-p",
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port to serve on",
    )
    parser.add_argument(
        "--max-batch-size",
        type=_positive_int,
        default=DEFAULT_BATCHING.max_batch_size,
        help="most inputs in one model batch",
    )
    parser.add_argument(
        "--max-wait-ms",
        type=_non_negative_float,
        default=DEFAULT_BATCHING.max_wait_ms,
        help="milliseconds a batch waits for more inputs after its first one, when the model "
        "is idle",
    )
    parser.add_argument(
        "--max-queue-size",
        type=_positive_int,
        default=DEFAULT_BATCHING.max_queue_size,
        help="most inputs waiting for a batch; more get 503 with Retry-After",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="largest request body in bytes; larger gets 413",
    )
    return parser


def serve(args: argparse.Namespace) -> None:
    # The web stack is imported only here, when a server starts: registering the subcommand
    # (every `allennlp` command that loads the plugin does) costs no FastAPI or uvicorn import.
    from bert_cls.serving.app import make_app
    from bert_cls.serving.server import load_served_archive, run_server, served_predictor

    """Loads the archive named by `args` (see `add_serve_arguments`) and serves it until
    SIGTERM or SIGINT."""
    archive = load_served_archive(
        args.archive_path, args.weights_file, args.cuda_device, args.overrides
    )
    predictor = served_predictor(archive, args.predictor, args.predictor_args)
    app = make_app(
        predictor,
        field_names=args.field_names or default_field_names(archive.validation_dataset_reader),
        title=args.title,
        static_dir=args.static_dir,
        batching=BatchingSettings(args.max_batch_size, args.max_wait_ms, args.max_queue_size),
        max_body_bytes=args.max_body_bytes,
    )
    run_server(app, args.host, args.port)


def _import_allennlp_server_first() -> None:
    # See the module doc: allennlp-server registers "serve" without exist_ok, so it must come
    # first for both packages to import.
    if importlib.util.find_spec("allennlp_server") is None:
        return
    try:
        importlib.import_module("allennlp_server")
    except Exception as error:
        logger.warning("allennlp-server is installed but does not import: %s", error)


_import_allennlp_server_first()


@Subcommand.register("serve", exist_ok=True)
class Serve(Subcommand):
    """
    `allennlp serve`: serves a trained archive over HTTP (see the module doc).

    Registered as a `Subcommand` with name "serve" (replacing allennlp-server's, if installed).
    """

    @overrides
    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        subparser = parser.add_parser(self.name, description=DESCRIPTION, help=DESCRIPTION)
        add_serve_arguments(subparser)
        subparser.set_defaults(func=serve)
        return subparser


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The `bert-cls-serve` console script: `allennlp serve`'s flags, from any directory."""
    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", level=logging.INFO
    )
    parser = ArgumentParserWithDefaults(prog="bert-cls-serve", description=DESCRIPTION)
    add_serve_arguments(parser)
    parser.add_argument(
        "--include-package",
        action="append",
        default=[],
        help="additional packages to include (bert_cls itself always is)",
    )
    args = parser.parse_args(argv)
    import_plugins()
    for package in ["bert_cls", *args.include_package]:
        import_module_and_submodules(package)
    serve(args)


if __name__ == "__main__":
    main()
