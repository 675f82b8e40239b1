"""
Label mistakes through the real command line: look-alike labels warn naming their lines, and at
`allennlp evaluate` a label the model cannot take is an error naming the file, the line, the label
and the labels the model knows.
"""

import json
from pathlib import Path
from typing import List

import pytest

from tests.cli import FIXTURE_CONFIG, allennlp, train
from tests.paths import FIXTURES_ROOT

pytestmark = pytest.mark.slow


def write_lines(path: Path, items: List[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def evaluate(archive: Path, data: Path, tmp_path: Path, check: bool = True):
    output = tmp_path / "metrics.json"
    result = allennlp(
        ["evaluate", str(archive), str(data), "--output-file", str(output)], check=check, text=True
    )
    return result, output


def test_a_gold_label_the_model_never_saw(trained_archive, tmp_path):
    data = write_lines(
        tmp_path / "dev.jsonl",
        [
            {"text": "a great movie", "label": "pos"},
            {"text": "a dull plot", "label": "neg"},
            {"text": "it was a film", "label": "neutral"},
        ],
    )
    result, _ = evaluate(trained_archive(Path(FIXTURE_CONFIG)), data, tmp_path, check=False)
    assert result.returncode != 0
    assert (
        f"JsonLinesError: {data}, line 3: label 'neutral' is not one of the labels the model "
        "knows ('pos', 'neg', vocabulary namespace 'labels')"
    ) in result.stderr
    assert "KeyError" not in result.stderr


def test_look_alike_labels_warn_and_surrounding_whitespace_is_stripped(trained_archive, tmp_path):
    data = write_lines(
        tmp_path / "dev.jsonl",
        [
            {"text": "a great movie", "label": "pos"},
            {"text": "a dull plot", "label": "neg"},
            {"text": "I love it", "label": "pos "},
            {"text": "I hate it", "label": " neg"},
        ],
    )
    result, metrics = evaluate(trained_archive(Path(FIXTURE_CONFIG)), data, tmp_path)
    assert set(json.loads(metrics.read_text())) >= {"accuracy", "loss"}
    assert (
        f"{data}: labels differ only by surrounding whitespace, case or the spelling of a number: "
        "'pos' (line 1) and 'pos ' (line 3) are read as one label, 'pos' (surrounding whitespace "
        "is stripped); 'neg' (line 2) and ' neg' (line 4) are read as one label, 'neg'"
    ) in result.stderr


def integer_labelled(source: Path, destination: Path) -> Path:
    lines = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    items = [{**item, "label": int(item["label"] == "pos")} for item in lines]
    return write_lines(destination, items)


def test_an_integer_label_outside_the_classes_with_skip_label_indexing(tmp_path):
    run = tmp_path / "run"
    train(
        run,
        overrides={
            "dataset_reader.skip_label_indexing": True,
            "model.num_labels": 2,
            "train_data_path": str(
                integer_labelled(FIXTURES_ROOT / "data" / "train.jsonl", tmp_path / "train.jsonl")
            ),
            "validation_data_path": str(
                integer_labelled(FIXTURES_ROOT / "data" / "dev.jsonl", tmp_path / "dev.jsonl")
            ),
        },
    )
    data = write_lines(
        tmp_path / "test.jsonl",
        [{"text": "a great movie", "label": 1}, {"text": "a dull plot", "label": 7}],
    )
    result, _ = evaluate(run / "model.tar.gz", data, tmp_path, check=False)
    assert result.returncode != 0
    assert (
        f"ConfigurationError: {data}, line 2: gold label 7 is not one of this model's 2 classes "
        "(labels it knows: 0, 1)."
    ) in result.stderr
    assert "out of bounds" not in result.stderr
