"""
`benchmarks.report`: the ratio table, the GEMM table and the BLAS effect lines on synthetic
numbers (no timing, no model).
"""

from benchmarks import report
from benchmarks.systems import ALLENNLP_FAST_BLAS, BERT_CLS_AS_SHIPPED, HF_FAST_BLAS, ORT_FP32
from tests.benchmarks.summaries import ALLENNLP, BERT_CLS, HF, INT8, synthetic_summary


def test_table_cells_hold_the_value_and_the_ratio_to_the_best_peer():
    systems = [BERT_CLS, INT8, HF, HF_FAST_BLAS, ALLENNLP, ALLENNLP_FAST_BLAS, ORT_FP32]
    rows = report.table_rows(synthetic_summary(), systems)
    header = ["system"] + [column.key for column in report.COLUMNS]
    table = {row[0]: dict(zip(header, row)) for row in rows}
    # The best peer of a column may be ONNX Runtime (short: 250) or a PyTorch peer (long: 20.5
    # is ORT's, training: AllenNLP as shipped's 4.8).
    assert table[BERT_CLS]["infer_short_eps"] == "300.0 (1.20x)"
    assert table[ORT_FP32]["infer_short_eps"] == "250.0 (1.00x)"
    assert table[HF]["infer_short_eps"] == "150.0 (0.60x)"
    assert table[BERT_CLS]["infer_long_eps"] == "21.0 (1.02x)"
    assert table[BERT_CLS]["train_eps"] == "5.0 (1.04x)"
    assert table[BERT_CLS]["infer_long_gemm_fraction"] == "80% (1.14x)"
    assert table[BERT_CLS]["rss_train_mb"] == "900 (0.90x)"
    assert table[INT8]["train_eps"] == "n/a" and table[ORT_FP32]["train_eps"] == "n/a"
    # The BLAS column is text, without a ratio.
    assert table[BERT_CLS]["blas"] == "MKL_DEBUG_CPU_TYPE=5 (MKL path 5)"
    assert table[INT8]["blas"] == "n/a"
    markdown = report.markdown_table(["system"] + header[1:], rows)
    lines = markdown.splitlines()
    assert len(lines) == 2 + len(systems) and all(
        line.startswith("| ") or line.startswith("|---") for line in lines
    )


def test_gemm_rows_list_every_path_fastest_first_and_mark_the_reference():
    rows = report.gemm_rows({"torch (MKL), MKL as shipped": 77.0, "numpy (OpenBLAS)": 198.4})
    assert rows == [
        ["numpy (OpenBLAS)", "198.4", "yes"],
        ["torch (MKL), MKL as shipped", "77.0", ""],
    ]


def test_blas_effect_lines_compare_each_system_with_itself_as_shipped():
    summary = synthetic_summary()
    summary[BERT_CLS_AS_SHIPPED] = {"infer_short_eps": 150.0, "infer_long_eps": 10.5}
    lines = report.blas_effect_lines(summary)
    assert lines == [
        f"{BERT_CLS} vs {BERT_CLS_AS_SHIPPED}: short 2.00x, long 2.00x.",
        f"{HF_FAST_BLAS} vs {HF}: short 1.07x, long 0.97x, training 1.12x.",
        f"{ALLENNLP_FAST_BLAS} vs {ALLENNLP}: short 1.05x, long 1.05x, training 0.92x.",
    ]


def test_rss_rows_show_the_peak_step_by_step():
    summary = {
        BERT_CLS: {
            "rss_infer_mb": 600.0,
            "rss_infer_steps_mb": {
                "python + torch": 200.0,
                "+ the system's imports": 180.0,
                "+ model, tokenizer, warm-up": 180.0,
                "+ timed inference": 40.0,
            },
        },
        HF: {"rss_infer_mb": 500.0},  # no steps recorded: no row
    }
    assert report.rss_rows(summary, [BERT_CLS, HF]) == [
        [BERT_CLS, "200", "+180", "+180", "+40", "600"]
    ]
