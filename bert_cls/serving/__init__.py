"""
Serving a model over HTTP (`allennlp serve`, `bert-cls-serve`): the FastAPI app (`app`), the
dynamic batcher (`batcher`), one batch through the predictor (`batch_prediction`), request
checks (`request_body`), the demo page (`demo_page`, `static/`), and loading and running it
(`server`). Import from those modules: this package imports none of them, so that the web stack
(FastAPI, uvicorn) is loaded only by what serves.
"""
