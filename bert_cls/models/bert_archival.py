"""
What a `bert_for_classification` archive keeps of its BERT, so that it loads anywhere.

`allennlp train` writes `model.tar.gz` with the config as written (so `bert_model` is whatever
path or name the config gave) and the model's state dict, which holds every BERT weight. Two more
things make the archive self-contained, with no change to anyone's config:

- BERT's configuration (`BertConfig`, as JSON) is a buffer of the model, `_bert_config_json`
  (UTF-8 bytes in a `uint8` tensor), so it is in the state dict, in every checkpoint and in the
  archive's `weights.th`;
- BERT's wordpiece vocabulary is in the model's AllenNLP vocabulary, namespace "bert"
  (`bert_cls.common.wordpiece_vocabulary`), saved in the archive as `vocabulary/bert.txt`.

Loading an archive (`BertForClassification._load`, which `load_archive`, `Predictor.from_path`,
`allennlp predict` and `evaluate` all go through) builds BERT from the stored configuration and
fills it with the archive's weights: the pretrained checkpoint `bert_model` names is not read and
need not exist. Archives written before bert_cls stored its configuration load as they always did,
from `bert_model`; where that path is gone, the error names the override that fixes it.
"""

import json
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Union

import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from bert_cls.common.bert_files import override_for_archived_paths, resolve_model_location

# The state-dict key of BERT's configuration.
BERT_CONFIG_BUFFER = "_bert_config_json"

# Set while `_load` builds a model from an archive: the BERT configuration stored in it.
_archived_bert_config: ContextVar[Optional[Dict[str, Any]]] = ContextVar(
    "archived_bert_config", default=None
)


def bert_config_buffer(config: Dict[str, Any]) -> torch.Tensor:
    """BERT's configuration as the `uint8` tensor of its JSON text (keys sorted)."""
    data = json.dumps(config, sort_keys=True).encode("utf-8")
    return torch.tensor(list(data), dtype=torch.uint8)


def bert_config_from_buffer(buffer: torch.Tensor) -> Dict[str, Any]:
    """The configuration `bert_config_buffer` stored."""
    return json.loads(bytes(buffer.cpu().tolist()).decode("utf-8"))


def read_archived_bert_config(weights_file: Union[str, Path]) -> Optional[Dict[str, Any]]:
    """
    The BERT configuration stored in a trained model's weights file (`weights.th`, `best.th` or a
    training checkpoint), or `None` when the file predates it.
    """
    state = torch.load(str(weights_file), map_location="cpu")
    buffer = state.get(BERT_CONFIG_BUFFER) if isinstance(state, dict) else None
    return None if buffer is None else bert_config_from_buffer(buffer)


@contextmanager
def building_from_archive(config: Dict[str, Any]) -> Iterator[None]:
    """While inside, a `BertForClassification` being built takes its BERT from `config`."""
    token = _archived_bert_config.set(config)
    try:
        yield
    finally:
        _archived_bert_config.reset(token)


def archived_bert_config_in_use() -> Optional[Dict[str, Any]]:
    """The configuration set by `building_from_archive`, if a model is being built from one."""
    return _archived_bert_config.get()


def check_bert_model_is_reachable(config: Params) -> None:
    """
    For an archive that predates stored BERT configurations: raises a `ConfigurationError`
    naming the `-o` override to use when the model's `bert_model` path no longer resolves.
    """
    bert_model = config.get("model", {}).get("bert_model")
    if not isinstance(bert_model, str):
        return
    try:
        resolve_model_location(bert_model)
    except ConfigurationError as error:
        raise ConfigurationError(
            f"This model archive was written by an earlier bert_cls, which kept only the path of "
            f"its BERT, and that path does not resolve here: {error} Load the archive with "
            f"{override_for_archived_paths()}; an archive written by this bert_cls needs no "
            f"path."
        ) from error
