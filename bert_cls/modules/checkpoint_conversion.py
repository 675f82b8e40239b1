"""
Converts a BERT checkpoint into the layout pytorch-pretrained-bert 0.6.2 reads, so that
`pytorch_pretrained_bert.BertModel.from_pretrained(DESTINATION)` (and AllenNLP 0.9 code built on
it) can load a Hugging Face checkpoint. `convert_checkpoint` (and `convert`, which also reports
what it wrote) is the library call; the `bert-cls-convert-checkpoint` console script
(`bert_cls.commands.convert_checkpoint`) is the command line.

SOURCE is anything `bert_cls.modules.load_bert_model` accepts: a Hugging Face directory
(`config.json` and `model.safetensors` or `pytorch_model.bin`), a pytorch-pretrained-bert
directory, a `.tar.gz` of either, or a shortcut name cached locally.

DESTINATION is a directory, or a path ending in `.tar.gz` for a reproducible gzipped tarball of
the same files. It receives:

- `bert_config.json`: only the fields of pytorch-pretrained-bert's `BertConfig`;
- `pytorch_model.bin`: the state dict of a pytorch-pretrained-bert `BertModel` (LayerNorm
  `weight/bias`, no `bert.` prefix, no `position_ids`, no task heads);
- `vocab.txt`, copied from SOURCE when it has one (a warning says so when it does not).

A checkpoint without pooler weights gets pytorch-pretrained-bert's own random initialisation
for them, drawn under `torch.manual_seed(seed)`; a warning says the pooled output is untrained.
Configurations pytorch-pretrained-bert cannot reproduce (another activation, a LayerNorm epsilon
other than 1e-12, relative position embeddings) raise a `ConfigurationError`.

An existing DESTINATION is only replaced with `force` (`--force`). Everything is written next to
DESTINATION first and moved into place at the end, so a failure leaves nothing half-written.
"""

import gzip
import json
import logging
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Dict, NamedTuple, Optional

import torch
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import BertConfig

from bert_cls.common.bert_files import VOCAB_FILE, cached_vocab_location
from bert_cls.modules.bert_loading import (
    LoadedCheckpoint,
    bert_checkpoint_directory,
    load_bert_checkpoint,
)

logger = logging.getLogger(__name__)

CONFIG_FILE = "bert_config.json"
WEIGHTS_FILE = "pytorch_model.bin"
# The fields pytorch-pretrained-bert's BertConfig.__init__ sets.
PPB_CONFIG_FIELDS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "type_vocab_size",
    "initializer_range",
)
TAR_GZ = ".tar.gz"


class Conversion(NamedTuple):
    destination: Path
    parameter_count: int
    pooler_filled: bool
    vocab_copied: bool

    def summary(self) -> str:
        files = ", ".join([CONFIG_FILE, WEIGHTS_FILE] + ([VOCAB_FILE] if self.vocab_copied else []))
        if self.pooler_filled:
            pooler = "pooler filled with an untrained random init"
        else:
            pooler = "pooler from the source"
        return f"Wrote {self.destination} ({files}): {self.parameter_count:,} parameters, {pooler}."


def convert_checkpoint(source: str, destination: Path, seed: int = 0, force: bool = False) -> Path:
    """
    Converts `source` into pytorch-pretrained-bert layout at `destination` (see the module doc)
    and returns `destination`. Raises `ConfigurationError` for a source that cannot be
    converted, or an existing `destination` without `force`.
    """
    return convert(source, Path(destination), seed, force).destination


def convert(source: str, destination: Path, seed: int, force: bool) -> Conversion:
    """`convert_checkpoint`, returning what it wrote (its `summary()` is logged too)."""
    destination = destination.expanduser()
    refuse_existing_destination(destination, force)
    with bert_checkpoint_directory(source) as directory:
        checkpoint = load_checkpoint_with_seeded_pooler(directory, seed)
        vocab_file = find_vocab_file(directory, source)
        state_dict = checkpoint.model.state_dict()
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            prefix=f".{destination.name}.", dir=destination.parent
        ) as staging:
            layout = Path(staging) / "checkpoint"
            write_ppb_layout(layout, checkpoint.model.config, state_dict, vocab_file)
            if destination.name.endswith(TAR_GZ):
                archive = Path(staging) / "checkpoint.tar.gz"
                write_reproducible_tar_gz(layout, archive)
                replace_destination(archive, destination)
            else:
                replace_destination(layout, destination)
    conversion = Conversion(
        destination=destination,
        parameter_count=sum(tensor.numel() for tensor in state_dict.values()),
        pooler_filled=bool(checkpoint.missing_pooler),
        vocab_copied=vocab_file is not None,
    )
    logger.info(conversion.summary())
    return conversion


def refuse_existing_destination(destination: Path, force: bool) -> None:
    if (destination.exists() or destination.is_symlink()) and not force:
        raise ConfigurationError(
            f"Destination '{destination}' already exists; pass --force (force=True) to replace it."
        )


def load_checkpoint_with_seeded_pooler(directory: Path, seed: int) -> LoadedCheckpoint:
    """
    Loads the checkpoint; a missing pooler keeps the init `BertModel` gave it, which here is
    drawn under `torch.manual_seed(seed)` without disturbing the caller's random state.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        checkpoint = load_bert_checkpoint(directory)
    if checkpoint.missing_pooler:
        logger.warning(
            "BERT weights '%s' have no pooler; the converted checkpoint holds a random one "
            "(pytorch-pretrained-bert's init, seed %d), so its pooled output is untrained.",
            checkpoint.weights_file,
            seed,
        )
    return checkpoint


def find_vocab_file(directory: Path, source: str) -> Optional[Path]:
    """The checkpoint's `vocab.txt`; for a cached shortcut name it may be cached separately."""
    if (directory / VOCAB_FILE).is_file():
        return directory / VOCAB_FILE
    vocab_file = None if Path(source).expanduser().exists() else cached_vocab_location(source)
    if vocab_file is None:
        logger.warning(
            "BERT checkpoint '%s' has no %s; the converted checkpoint has none either, so pass "
            "a vocabulary to the token indexer separately.",
            source,
            VOCAB_FILE,
        )
    return vocab_file


def ppb_config_dict(config: BertConfig) -> Dict[str, object]:
    return {field: getattr(config, field) for field in PPB_CONFIG_FIELDS}


def write_ppb_layout(
    directory: Path,
    config: BertConfig,
    state_dict: Dict[str, torch.Tensor],
    vocab_file: Optional[Path],
) -> None:
    """
    Writes `bert_config.json`, `pytorch_model.bin` and, when `vocab_file` is given, `vocab.txt`
    into the new directory `directory` (see the module doc).
    """
    directory.mkdir()
    config_json = json.dumps(ppb_config_dict(config), indent=2, sort_keys=True) + "\n"
    (directory / CONFIG_FILE).write_text(config_json, encoding="utf-8")
    # torch.save names the zip's records after the file's stem, so this file must be
    # written under its final name for the bytes to match from one run to the next.
    torch.save(state_dict, directory / WEIGHTS_FILE)
    if vocab_file is not None:
        shutil.copyfile(vocab_file, directory / VOCAB_FILE)


def normalized_tar_info(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    return info


def write_reproducible_tar_gz(directory: Path, archive: Path) -> None:
    """A `.tar.gz` of the files in `directory` whose bytes depend on their contents only."""
    with (
        open(archive, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
    ):
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(directory.iterdir()):
                tar.add(path, arcname=path.name, recursive=False, filter=normalized_tar_info)


def replace_destination(staged: Path, destination: Path) -> None:
    """
    Moves `staged` to `destination`; an existing `destination` is removed only once that
    succeeded.
    """
    if not (destination.exists() or destination.is_symlink()):
        os.replace(staged, destination)
        return
    retired = staged.with_name(staged.name + ".old")
    os.replace(destination, retired)
    try:
        os.replace(staged, destination)
    except OSError:
        os.replace(retired, destination)
        raise
    if retired.is_dir() and not retired.is_symlink():
        shutil.rmtree(retired)
    else:
        retired.unlink()
