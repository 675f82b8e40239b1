import json

import pytest

from examples.text_classification.results import markdown_table, merge_result, read_results


def test_entries_merge_by_data_set(tmp_path):
    path = tmp_path / "results" / "text_classification.json"
    merge_result(path, "r8", {"test_accuracy": 0.97})
    merge_result(path, "mr", {"test_accuracy": 0.8})
    merge_result(path, "r8", {"test_accuracy": 0.975})
    saved = json.loads(path.read_text())
    assert saved["datasets"] == {"mr": {"test_accuracy": 0.8}, "r8": {"test_accuracy": 0.975}}
    assert "TextGCN" in saved["published_sources"]["tfidf_lr"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["text_classification.json"]


def test_a_broken_results_file_is_not_overwritten(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{")
    with pytest.raises(SystemExit, match="is not valid JSON"):
        read_results(path)


def test_the_readme_table_in_the_published_order():
    results = {
        "datasets": {
            "mr": {"test_accuracy": 0.8123, "baseline_test_accuracy": 0.7555,
                   "train_seconds": 450, "epochs": 4},
            "r8": {"test_accuracy": 0.97, "baseline_test_accuracy": 0.9688,
                   "train_seconds": 1380, "epochs": 4},
        }
    }  # fmt: skip
    lines = markdown_table(results).splitlines()
    assert lines[0].startswith("| data set | TF-IDF + LR (TextGCN) | BERT-base (BertGCN) |")
    assert lines[2] == "| R8 | 93.74 | 97.8 | 96.88 | 97.00 | 23 min (4 epochs) |"
    assert lines[3] == "| MR | 74.59 | 85.7 | 75.55 | 81.23 | 7.5 min (4 epochs) |"
