import json

import pytest

from examples.text_classification.wordpiece_lengths import length_summary, main, split_summary
from tests.paths import FIXTURES_ROOT

BERT = str(FIXTURES_ROOT / "bert")


def test_the_summary_counts_texts_over_the_cut():
    summary = length_summary([4, 6, 8, 10], max_pieces=6)
    assert summary["texts"] == 4
    assert summary["median"] == 7.0
    assert summary["share_cut"] == 0.5


def test_lengths_count_wordpieces_with_cls_and_sep(tmp_path):
    split = tmp_path / "test.jsonl"
    rows = [
        {"text": "the movie was boring", "label": "neg"},  # 4 words, 4 wordpieces
        {"text": "a great film", "label": "pos"},  # 3
        {"text": "dullest", "label": "neg"},  # dull ##est: 2
    ]
    split.write_text("".join(json.dumps(row) + "\n" for row in rows))
    summary = split_summary(split, BERT, max_pieces=5)
    assert summary["all"]["texts"] == 3
    assert summary["pos"] == {"texts": 1, "median": 5.0, "p90": 5.0, "share_cut": 0.0}
    assert summary["neg"]["median"] == 5.0  # lengths 6 and 4
    assert summary["neg"]["share_cut"] == 0.5


def test_the_command_prints_each_label(tmp_path, capsys):
    (tmp_path / "mr").mkdir()
    (tmp_path / "mr" / "test.jsonl").write_text(
        json.dumps({"text": "great fun", "label": "pos"}) + "\n"
    )
    main(["mr", "--data-dir", str(tmp_path), "--bert-model", BERT, "--max-pieces", "3"])
    out = capsys.readouterr().out
    assert "pos" in out and "over 100%" in out


def test_a_missing_split_names_the_file_and_the_prepare_command(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["r8", "--data-dir", str(tmp_path), "--bert-model", BERT])
    error = capsys.readouterr().err
    assert str(tmp_path / "r8" / "test.jsonl") in error
    assert "examples.text_classification.prepare" in error
