"""
Writing a prepared data set: one jsonl file a split, its README and `SHA256SUMS`, each written
only when its bytes change, so that preparing twice rewrites nothing.
"""

import hashlib
import json
import os
from pathlib import Path
from typing import Dict, List

from examples.text_classification.dataset_readme import render_readme
from examples.text_classification.prepared_dataset import SPLITS, Example, PreparedDataset

CHECKSUMS_FILE = "SHA256SUMS"
README_FILE = "README.md"


def jsonl_bytes(examples: List[Example]) -> bytes:
    lines = (json.dumps({"id": e.id, "text": e.text, "label": e.label}) + "\n" for e in examples)
    return "".join(lines).encode("utf-8")


def dataset_file_contents(dataset: PreparedDataset) -> Dict[str, bytes]:
    """Every file of the data set's folder, by name, as bytes."""
    contents = {f"{split}.jsonl": jsonl_bytes(dataset.splits[split]) for split in SPLITS}
    contents[README_FILE] = render_readme(dataset).encode("utf-8")
    contents[CHECKSUMS_FILE] = "".join(
        f"{hashlib.sha256(content).hexdigest()}  {name}\n"
        for name, content in sorted(contents.items())
    ).encode("utf-8")
    return contents


def write_if_changed(path: Path, content: bytes) -> bool:
    """Writes `content` to `path` (atomically) unless it holds it already; True if written."""
    if path.is_file() and path.read_bytes() == content:
        return False
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
    return True


def write_dataset(dataset: PreparedDataset, directory: Path) -> List[Path]:
    """Writes the data set's files into `directory`; returns those it (re)wrote."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        directory / name
        for name, content in dataset_file_contents(dataset).items()
        if write_if_changed(directory / name, content)
    ]
