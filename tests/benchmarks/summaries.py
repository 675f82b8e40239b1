"""A synthetic summary (no timing, no model) shared by the summary, report and goal tests."""

from benchmarks.systems import ALLENNLP, BERT_CLS, BERT_CLS_INT8, HF

INT8 = BERT_CLS_INT8


def synthetic_summary():
    return {
        BERT_CLS: {
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
            "infer_short_eps": 150.0,
            "infer_long_eps": 20.0,
            "train_eps": 4.0,
            "infer_long_gemm_fraction": 0.7,
            "rss_train_mb": 1000.0,
            "rss_infer_mb": 450.0,
        },
        ALLENNLP: {
            "infer_short_eps": 200.0,
            "infer_long_eps": 19.0,
            "train_eps": 4.8,
            "infer_long_gemm_fraction": 0.6,
            "rss_train_mb": 1100.0,
            "rss_infer_mb": 700.0,
        },
    }
