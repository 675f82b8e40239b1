"""
The HTTP app of `allennlp serve`: a FastAPI app that answers prediction requests through a
`DynamicBatcher`, reports its health, and serves the demo page.
"""

import contextlib
import dataclasses
import logging
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Sequence

from allennlp.common.util import JsonDict
from allennlp.predictors import Predictor
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from bert_cls.predictors.input_mapping import with_id
from bert_cls.serving.batch_prediction import Result, predict_json_inputs
from bert_cls.serving.batcher import (
    BatchingSettings,
    DynamicBatcher,
    QueueFull,
    TooManyInputs,
)
from bert_cls.serving.demo_page import DEFAULT_TITLE, demo_page
from bert_cls.serving.request_body import (
    DEFAULT_MAX_BODY_BYTES,
    RequestError,
    batch_inputs,
    not_an_object,
    parse_json,
    read_body,
    single_input,
)

logger = logging.getLogger(__name__)

# Seconds a client refused for a full queue is asked to wait (the `Retry-After` header).
RETRY_AFTER_SECONDS = 1


def make_app(
    predictor: Predictor,
    field_names: Sequence[str],
    title: str = DEFAULT_TITLE,
    static_dir: Optional[Path] = None,
    batching: BatchingSettings = BatchingSettings(),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """
    The app serving `predictor`. Endpoints:

    - `POST /predict`: one JSON object, as `allennlp predict` takes a line; answers the
      predictor's JSON output (with the input's `"id"`, if any).
    - `POST /predict_batch`: a JSON array of such objects; answers an array of outputs in their
      order, an input that cannot be predicted having `{"error": message, "index": i}` (and its
      `"id"`) in its place.
    - `GET /health`: 200 with `{"status": "ok", ...}`, the batching settings, the inputs
      waiting and running, and counts of the batches run so far (`"batches"`: how many,
      `"inputs"`, `"largest"`, and `"sizes"`: batch size -> how many).
    - `GET /`: the demo page (`bert_cls.serving.demo_page`) with `title` and a text box per name
      in `field_names`; with `static_dir`, the files of that directory instead (`index.html`
      at `/`).

    The inputs of concurrent requests are predicted together in batches (`batching`, see
    `DynamicBatcher`), in a worker thread. Errors are JSON `{"error": message}`: 400 for a body
    that is not JSON, not of the endpoint's shape, or an input the predictor refuses (with the
    predictor's message); 413 for a body over `max_body_bytes`, or a batch of more inputs than
    the queue holds; 503 with `Retry-After` when the queue is full; 500 when the model fails
    on an input in a way the predictor does not put down to the input. None of them stops the
    server, and one failing input of a batch fails only its own request.
    """
    batcher: DynamicBatcher[JsonDict, JsonDict] = DynamicBatcher(
        lambda inputs: predict_json_inputs(predictor, inputs), batching
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        yield
        await batcher.stop()

    # No /docs or /redoc pages: they load their scripts from a CDN.
    app = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.exception_handler(RequestError)
    async def refused(request: Request, error: RequestError) -> JSONResponse:
        return JSONResponse({"error": error.message}, error.status_code, headers=error.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": str(error.detail)}, error.status_code, headers=getattr(error, "headers", None)
        )

    async def predict_all(inputs: List[JsonDict]) -> List[Result]:
        try:
            return await batcher.submit(inputs)
        except QueueFull as error:
            raise RequestError(503, str(error), {"Retry-After": str(RETRY_AFTER_SECONDS)})
        except TooManyInputs as error:
            raise RequestError(413, str(error))

    @app.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        one_input = single_input(parse_json(await read_body(request, max_body_bytes)))
        [result] = await predict_all([one_input])
        if isinstance(result, Exception):
            return JSONResponse(with_id(one_input, error_body(result)), error_status(result))
        return JSONResponse(result)

    @app.post("/predict_batch")
    async def predict_batch(request: Request) -> JSONResponse:
        items = batch_inputs(parse_json(await read_body(request, max_body_bytes)))
        objects = [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]
        results = dict(zip([i for i, _ in objects], await predict_all([o for _, o in objects])))
        outputs: List[JsonDict] = []
        for index, item in enumerate(items):
            result = results[index] if index in results else not_an_object(item, index)
            if isinstance(result, Exception):
                record = {**error_body(result), "index": index}
                result = with_id(item, record) if isinstance(item, dict) else record
            outputs.append(result)
        return JSONResponse(outputs)

    @app.get("/health")
    async def health() -> Dict[str, Any]:
        return {
            "status": "ok",
            "queued": batcher.queued,
            "running": batcher.running,
            "batching": dataclasses.asdict(batching),
            "batches": dataclasses.asdict(batcher.stats),
        }

    if static_dir is None:
        page = demo_page(title, field_names)

        @app.get("/", response_class=HTMLResponse)
        async def index() -> str:
            return page

    else:
        app.mount("/", StaticFiles(directory=str(static_dir), html=True), name="static")

    return app


def error_status(error: Exception) -> int:
    """400 for an input the predictor refuses (a `ValueError`, as `BadPredictionInput` is), else
    500."""
    return 400 if isinstance(error, ValueError) else 500


def error_body(error: Exception) -> JsonDict:
    if isinstance(error, ValueError):
        return {"error": str(error)}
    logger.error("Prediction failed: %s: %s", type(error).__name__, error)
    return {"error": f"the server failed to predict this input ({type(error).__name__}: {error})"}
