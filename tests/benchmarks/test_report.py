"""
`benchmarks.report`: the ratio table on synthetic numbers (no timing, no model).
"""

from benchmarks import report
from tests.benchmarks.summaries import ALLENNLP, BERT_CLS, HF, INT8, synthetic_summary


def test_table_cells_hold_the_value_and_the_ratio_to_the_best_peer():
    rows = report.table_rows(synthetic_summary(), [BERT_CLS, INT8, HF, ALLENNLP])
    header = ["system"] + [column.key for column in report.COLUMNS]
    table = {row[0]: dict(zip(header, row)) for row in rows}
    assert table[BERT_CLS]["infer_short_eps"] == "300.0 (1.50x)"
    assert table[BERT_CLS]["infer_long_eps"] == "21.0 (1.05x)"
    assert table[ALLENNLP]["infer_short_eps"] == "200.0 (1.00x)"
    assert table[HF]["infer_short_eps"] == "150.0 (0.75x)"
    assert table[BERT_CLS]["infer_long_gemm_fraction"] == "80% (1.14x)"
    assert table[BERT_CLS]["rss_train_mb"] == "900 (0.90x)"
    assert table[INT8]["train_eps"] == "n/a"
    markdown = report.markdown_table(["system"] + header[1:], rows)
    lines = markdown.splitlines()
    assert len(lines) == 2 + 4 and all(
        line.startswith("| ") or line.startswith("|---") for line in lines
    )
