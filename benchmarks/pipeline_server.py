"""
The peer of `allennlp serve` in `benchmarks.serve_load`: what a user would write instead, a
minimal FastAPI app around Hugging Face's `text-classification` pipeline, one text per call, no
batching (FastAPI runs the plain `def` endpoint in its thread pool).

    python -m benchmarks.pipeline_server --model-dir DIR --port PORT

`DIR` is a `BertForSequenceClassification` with its tokenizer (`benchmarks.hf_archive`).
`POST /predict` takes `{"text": ..., "id": ...}` and answers `{"label", "score", "id"}`;
`GET /health` answers 200 once the model is loaded. Serves on 127.0.0.1 only.
"""

import argparse
from typing import Any, Dict, Optional, Sequence

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from transformers import pipeline


class TextInput(BaseModel):
    text: str
    id: Any = None


def make_app(model_dir: str) -> FastAPI:
    classifier = pipeline("text-classification", model=model_dir, tokenizer=model_dir)
    app = FastAPI()

    @app.post("/predict")
    def predict(item: TextInput) -> Dict[str, Any]:
        [result] = classifier(item.text, truncation=True)
        return {"label": result["label"], "score": result["score"], "id": item.id}

    @app.get("/health")
    def health() -> Dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline_server")
    parser.add_argument("--model-dir", required=True, help="a BertForSequenceClassification")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    args = parser.parse_args(argv)
    uvicorn.run(make_app(args.model_dir), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
