"""A synthetic summary (no timing, no model) shared by the summary, report and goal tests."""

from benchmarks.systems import (
    ALLENNLP,
    ALLENNLP_FAST_BLAS,
    BERT_CLS,
    BERT_CLS_INT8,
    HF,
    HF_FAST_BLAS,
    ORT_FP32,
    ORT_INT8,
)

INT8 = BERT_CLS_INT8


def synthetic_summary():
    return {
        BERT_CLS: {
            "blas": "MKL_DEBUG_CPU_TYPE=5 (MKL path 5)",
            "infer_short_eps": 300.0,
            "infer_long_eps": 21.0,
            "train_eps": 5.0,
            "infer_long_gemm_fraction": 0.8,
            "rss_train_mb": 900.0,
            "rss_infer_mb": 500.0,
        },
        INT8: {
            "infer_short_eps": 500.0,
            "infer_long_eps": 48.0,
            "infer_long_gemm_fraction": 1.7,
            "rss_infer_mb": 450.0,
        },
        HF: {
            "blas": "MKL as shipped (MKL path 0)",
            "infer_short_eps": 150.0,
            "infer_long_eps": 20.0,
            "train_eps": 4.0,
            "infer_long_gemm_fraction": 0.7,
            "rss_train_mb": 1000.0,
            "rss_infer_mb": 450.0,
        },
        HF_FAST_BLAS: {
            "infer_short_eps": 160.0,
            "infer_long_eps": 19.5,
            "train_eps": 4.5,
            "rss_train_mb": 1010.0,
            "rss_infer_mb": 455.0,
        },
        ALLENNLP: {
            "infer_short_eps": 200.0,
            "infer_long_eps": 19.0,
            "train_eps": 4.8,
            "infer_long_gemm_fraction": 0.6,
            "rss_train_mb": 1100.0,
            "rss_infer_mb": 700.0,
        },
        ALLENNLP_FAST_BLAS: {
            "infer_short_eps": 210.0,
            "infer_long_eps": 19.9,
            "train_eps": 4.4,
            "rss_train_mb": 1120.0,
            "rss_infer_mb": 710.0,
        },
        ORT_FP32: {"infer_short_eps": 250.0, "infer_long_eps": 20.5, "rss_infer_mb": 400.0},
        ORT_INT8: {"infer_short_eps": 520.0, "infer_long_eps": 40.0, "rss_infer_mb": 380.0},
    }
