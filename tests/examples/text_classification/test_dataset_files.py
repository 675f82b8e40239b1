import hashlib
import json

from examples.text_classification.dataset_files import write_dataset, write_if_changed
from examples.text_classification.prepared_dataset import Example, PreparedDataset


def tiny_dataset() -> PreparedDataset:
    return PreparedDataset(
        name="tiny",
        title="Tiny",
        packages=[],
        splits={
            "train": [Example("train-1", "ein Text", "a"), Example("train-2", "text b", "b")],
            "validation": [Example("train-3", "text c", "a")],
            "test": [Example("test-1", "text d", "b")],
        },
        source="Made by hand.",
        license="None.",
        differences=["Everything."],
        facts={"size": "4"},
    )


def test_files_checksums_and_readme(tmp_path):
    written = write_dataset(tiny_dataset(), tmp_path)
    assert sorted(path.name for path in written) == [
        "README.md", "SHA256SUMS", "test.jsonl", "train.jsonl", "validation.jsonl",
    ]  # fmt: skip
    lines = (tmp_path / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"id": "train-1", "text": "ein Text", "label": "a"},
        {"id": "train-2", "text": "text b", "label": "b"},
    ]
    for line in (tmp_path / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    readme = (tmp_path / "README.md").read_text()
    assert (
        "| a | 1 | 1 | 0 | 2 |" in readme
        and "| **all** | **2** | **1** | **1** | **4** |" in readme
    )
    assert "--datasets tiny" in readme and "- Everything." in readme and "- size: 4" in readme


def test_a_second_write_rewrites_nothing(tmp_path):
    write_dataset(tiny_dataset(), tmp_path)
    times = {path.name: path.stat().st_mtime_ns for path in tmp_path.iterdir()}
    assert write_dataset(tiny_dataset(), tmp_path) == []
    assert {path.name: path.stat().st_mtime_ns for path in tmp_path.iterdir()} == times


def test_write_if_changed(tmp_path):
    path = tmp_path / "file"
    assert write_if_changed(path, b"one") is True
    assert write_if_changed(path, b"one") is False
    assert write_if_changed(path, b"two") is True and path.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
