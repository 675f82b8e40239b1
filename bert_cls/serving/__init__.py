"""
Serving a model over HTTP (`allennlp serve`, `bert-cls-serve`): the FastAPI app (`app`), the
dynamic batcher (`batcher`), one batch through the predictor (`batch_prediction`), request
checks (`request_body`), the demo page (`demo_page`, `static/`), and loading and running it
(`server`).
"""

from bert_cls.serving.app import make_app
from bert_cls.serving.batcher import BatchingSettings, DynamicBatcher, QueueFull, TooManyInputs
from bert_cls.serving.demo_page import DEFAULT_TITLE, default_field_names, demo_page
from bert_cls.serving.request_body import DEFAULT_MAX_BODY_BYTES
from bert_cls.serving.server import load_served_archive, run_server, served_predictor
