"""
Turning a `bert_model` string into a fresh pytorch-pretrained-bert `BertModel`.

Accepted forms:
- a directory in pytorch-pretrained-bert layout: `bert_config.json` (or `config.json`) and
  `pytorch_model.bin`;
- a directory in Hugging Face layout: `config.json` and `model.safetensors` or
  `pytorch_model.bin` (keys with or without the `bert.` prefix, LayerNorm `weight/bias` or
  `gamma/beta`, a `position_ids` buffer, extra heads: all handled);
- a `.tar.gz` of either, extracted safely into a temporary directory;
- a shortcut name such as `bert-base-uncased`, only when a copy is already cached locally.

Every call builds new modules: two models loaded from one string never share parameters.
Problems raise `ConfigurationError` naming the file and what was expected.

`load_pretrained_bert` also returns the checkpoint's wordpiece vocabulary, which a model keeps
in its AllenNLP vocabulary; `bert_model_from_config` builds the BERT of a trained model from the
configuration its archive holds, without reading any checkpoint.
"""

import logging
import math
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import ACT2FN, BertConfig, BertModel
from pytorch_pretrained_bert.tokenization import load_vocab

from bert_cls.common.bert_files import (
    CONFIG_FILES,
    VOCAB_FILE,
    cached_vocab_location,
    config_file_in,
    read_config_json,
    resolve_model_location,
)
from bert_cls.common.safe_tar import safe_extract_tar

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
REQUIRED_CONFIG_KEYS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "max_position_embeddings",
    "type_vocab_size",
)
# pytorch-pretrained-bert builds every BertLayerNorm with this epsilon; it is not configurable.
PPB_LAYER_NORM_EPS = 1e-12
# Checkpoints of task models (BertForSequenceClassification, BertForPreTraining...) put BERT's
# own weights under this prefix.
BERT_PREFIX = "bert."
# Safetensors weights are copied into the model in blocks of at most this many elements (16 MB).
COPY_BLOCK_ELEMENTS = 4 * 1024 * 1024


class LoadedCheckpoint(NamedTuple):
    model: BertModel
    config_file: Path
    weights_file: Path
    # Pooler weights the checkpoint lacked; the model holds BertModel's random init for them.
    missing_pooler: List[str]


class PretrainedBert(NamedTuple):
    model: BertModel
    # The checkpoint's wordpieces in id order: its vocab.txt, or for a shortcut name whose
    # checkpoint has none, the vocabulary cached beside it; `None` when neither exists.
    wordpieces: Optional[List[str]]
    # The file the wordpieces were read from.
    vocab_file: Optional[Path]


def load_bert_model(bert_model: str) -> BertModel:
    """Builds a new `BertModel` from the checkpoint that `bert_model` names (see module doc)."""
    return load_pretrained_bert(bert_model).model


def load_pretrained_bert(bert_model: str) -> PretrainedBert:
    """`load_bert_model`, with the checkpoint's wordpiece vocabulary (see `PretrainedBert`)."""
    with bert_checkpoint_directory(bert_model) as directory:
        model = load_bert_directory(directory)
        vocab_file: Optional[Path] = directory / VOCAB_FILE
        if not vocab_file.is_file():
            vocab_file = None if Path(bert_model).exists() else cached_vocab_location(bert_model)
        if vocab_file is None:
            return PretrainedBert(model, None, None)
        return PretrainedBert(model, read_wordpieces(vocab_file), vocab_file)


def read_wordpieces(vocab_file: Path) -> List[str]:
    """The wordpieces of a BERT `vocab.txt` in id order, as pytorch-pretrained-bert reads them."""
    try:
        vocab = load_vocab(str(vocab_file))
    except UnicodeDecodeError as error:
        raise ConfigurationError(f"BERT vocabulary '{vocab_file}' is not UTF-8 text ({error}).")
    return sorted(vocab, key=vocab.__getitem__)


class _BertModelToBeLoaded(BertModel):
    # Its weights are all loaded right after it is built: their random initialisation is skipped.
    def init_bert_weights(self, module: torch.nn.Module) -> None:
        pass


def bert_model_from_config(config: Dict) -> BertModel:
    """
    A `BertModel` of the given configuration (a `BertConfig` as a dict) whose weights are left
    uninitialised, for a trained model's weights to be loaded into. No checkpoint is read.
    """
    model = _BertModelToBeLoaded(BertConfig.from_dict(config))
    model.__class__ = BertModel
    return model


@contextmanager
def bert_checkpoint_directory(bert_model: str) -> Iterator[Path]:
    """
    The directory holding the checkpoint that `bert_model` names. An archive is extracted safely
    into a temporary directory, which is deleted when the context exits.
    """
    location = resolve_model_location(bert_model)
    if location.is_dir():
        yield location
        return
    with tempfile.TemporaryDirectory(prefix="bert_cls-") as extracted:
        safe_extract_tar(location, Path(extracted))
        yield find_checkpoint_directory(Path(extracted), location)


def find_checkpoint_directory(root: Path, archive: Path) -> Path:
    """The directory inside an extracted archive that holds a BERT config file."""
    for config_name in CONFIG_FILES:
        found = sorted(root.rglob(config_name), key=lambda path: len(path.parts))
        if found:
            return found[0].parent
    raise ConfigurationError(
        f"Archive '{archive}' holds no BERT checkpoint: expected {' or '.join(CONFIG_FILES)} "
        f"next to {' or '.join(WEIGHT_FILES)}."
    )


def read_bert_config(directory: Path) -> Tuple[BertConfig, Path]:
    config_file = config_file_in(directory)
    if config_file is None:
        raise ConfigurationError(
            f"BERT checkpoint directory '{directory}' has no {' or '.join(CONFIG_FILES)}."
        )
    config = read_config_json(config_file)
    model_type = config.get("model_type", "bert")
    if model_type != "bert":
        raise ConfigurationError(
            f"BERT config '{config_file}' describes a '{model_type}' model; "
            f"bert_for_classification needs a BERT checkpoint (model_type 'bert')."
        )
    missing = [key for key in REQUIRED_CONFIG_KEYS if key not in config]
    if missing:
        raise ConfigurationError(f"BERT config '{config_file}' lacks the keys {missing}.")
    # Otherwise pytorch-pretrained-bert fails with a bare KeyError while building the model.
    hidden_act = config.get("hidden_act", "gelu")
    if not isinstance(hidden_act, str) or hidden_act not in ACT2FN:
        raise ConfigurationError(
            f"BERT config '{config_file}' has hidden_act '{hidden_act}', which "
            f"pytorch-pretrained-bert 0.6.2 does not implement "
            f"(it has {', '.join(sorted(ACT2FN))})."
        )
    # pytorch-pretrained-bert would silently ignore these and compute something else.
    eps = config.get("layer_norm_eps", PPB_LAYER_NORM_EPS)
    if not isinstance(eps, (int, float)) or not math.isclose(eps, PPB_LAYER_NORM_EPS, rel_tol=1e-3):
        raise ConfigurationError(
            f"BERT config '{config_file}' has layer_norm_eps {eps!r}, but pytorch-pretrained-bert "
            f"0.6.2 always uses {PPB_LAYER_NORM_EPS}; the model would compute different outputs."
        )
    position_embedding_type = config.get("position_embedding_type", "absolute")
    if position_embedding_type != "absolute":
        raise ConfigurationError(
            f"BERT config '{config_file}' has position_embedding_type '{position_embedding_type}', "
            f"but pytorch-pretrained-bert 0.6.2 only has absolute position embeddings."
        )
    return BertConfig.from_dict(config), config_file


def find_weights_file(directory: Path) -> Path:
    for name in WEIGHT_FILES:
        if (directory / name).is_file():
            return directory / name
    raise ConfigurationError(
        f"BERT checkpoint directory '{directory}' has no weights: "
        f"expected {' or '.join(WEIGHT_FILES)}."
    )


class LazySafetensor:
    """
    One tensor of a `.safetensors` file, read only when `load()` is called: its `shape` is known
    without reading it, so a checkpoint is checked, then read one tensor at a time straight into
    the model (a block of rows at a time), never held whole in memory next to it.
    """

    def __init__(self, weights_file: Path, key: str, shape: Tuple[int, ...]) -> None:
        self.weights_file = weights_file
        self.key = key
        self.shape = torch.Size(shape)

    def load(self) -> torch.Tensor:
        from safetensors import safe_open

        with safe_open(str(self.weights_file), framework="pt", device="cpu") as file:
            return file.get_tensor(self.key)

    def copy_into(self, target: torch.Tensor) -> None:
        """Copies the tensor into `target` (of the same shape) a block of rows at a time."""
        from safetensors import safe_open

        if target.dim() == 0 or target.numel() <= COPY_BLOCK_ELEMENTS:
            target.copy_(self.load())
            return
        with safe_open(str(self.weights_file), framework="pt", device="cpu") as file:
            tensor_slice = file.get_slice(self.key)
            rows = max(1, COPY_BLOCK_ELEMENTS // (target.numel() // target.shape[0]))
            for start in range(0, target.shape[0], rows):
                target[start : start + rows].copy_(tensor_slice[start : start + rows])


def read_state_dict(weights_file: Path) -> Dict[str, Union[torch.Tensor, LazySafetensor]]:
    """
    Reads a checkpoint's tensors; `.safetensors` without unpickling anything, and lazily: its
    values are `LazySafetensor`s (see `copy_weight`).
    """
    try:
        if weights_file.suffix == ".safetensors":
            from safetensors import safe_open

            with safe_open(str(weights_file), framework="pt", device="cpu") as file:
                return {
                    key: LazySafetensor(weights_file, key, tuple(file.get_slice(key).get_shape()))
                    for key in file.keys()
                }
        state_dict = torch.load(weights_file, map_location="cpu")
    except Exception as error:  # torch and safetensors raise many types on corrupt files
        raise ConfigurationError(
            f"Could not read BERT weights '{weights_file}' ({type(error).__name__}: {error}); "
            f"expected a PyTorch state dict (pytorch_model.bin) or a safetensors file."
        )
    if not isinstance(state_dict, dict):
        raise ConfigurationError(
            f"BERT weights '{weights_file}' hold a {type(state_dict).__name__}, not a state dict."
        )
    return state_dict


def copy_weight(target: torch.Tensor, value: Union[torch.Tensor, LazySafetensor]) -> None:
    """Copies `value` into `target` (same shape); a `LazySafetensor` is read from its file."""
    if not isinstance(value, LazySafetensor):
        target.copy_(value)
        return
    try:
        value.copy_into(target)
    except Exception as error:
        raise ConfigurationError(
            f"Could not read '{value.key}' from BERT weights '{value.weights_file}' "
            f"({type(error).__name__}: {error})."
        )


def normalize_bert_state_dict(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """
    Renames a checkpoint's keys to pytorch-pretrained-bert `BertModel` names: drops the `bert.`
    prefix of task-model checkpoints (and every key outside it), renames LayerNorm
    `gamma/beta` to `weight/bias`, drops the `position_ids` buffer.
    """
    if any(key.startswith(BERT_PREFIX) for key in state_dict):
        state_dict = {
            key[len(BERT_PREFIX) :]: value
            for key, value in state_dict.items()
            if key.startswith(BERT_PREFIX)
        }
    normalized = {}
    for key, value in state_dict.items():
        if key.endswith("position_ids"):
            continue
        if key.endswith("LayerNorm.gamma"):
            key = key[: -len("gamma")] + "weight"
        elif key.endswith("LayerNorm.beta"):
            key = key[: -len("beta")] + "bias"
        normalized[key] = value
    return normalized


def check_state_dict(
    model: BertModel, state_dict: Dict[str, torch.Tensor], weights_file: Path, config_file: Path
) -> List[str]:
    """
    Raises `ConfigurationError` when the weights do not fit the config (a shape differs or an
    encoder/embedding weight is missing). Returns the missing pooler keys, which may be absent.
    """
    expected = model.state_dict()
    for key, value in state_dict.items():
        if key in expected and tuple(value.shape) != tuple(expected[key].shape):
            raise ConfigurationError(
                f"BERT weights '{weights_file}' do not match config '{config_file}': "
                f"'{key}' has shape {tuple(value.shape)} in the weights but "
                f"{tuple(expected[key].shape)} by the config."
            )
    missing = [key for key in expected if key not in state_dict]
    not_pooler = [key for key in missing if not key.startswith("pooler.")]
    if not_pooler:
        shown = ", ".join(not_pooler[:5]) + (" ..." if len(not_pooler) > 5 else "")
        raise ConfigurationError(
            f"BERT weights '{weights_file}' lack {len(not_pooler)} weights that config "
            f"'{config_file}' needs, such as {shown}. Is this a BERT checkpoint?"
        )
    return missing


def load_bert_directory(directory: Path) -> BertModel:
    return load_bert_checkpoint(directory).model


def load_bert_checkpoint(directory: Path) -> LoadedCheckpoint:
    """
    `load_bert_directory`, also saying which files were read and whether the pooler was missing.
    """
    config, config_file = read_bert_config(directory)
    weights_file = find_weights_file(directory)
    state_dict = normalize_bert_state_dict(read_state_dict(weights_file))
    model = BertModel(config)
    missing_pooler = check_state_dict(model, state_dict, weights_file, config_file)
    if missing_pooler:
        logger.warning(
            "BERT weights '%s' have no pooler (%s): it is randomly initialised, so the pooled "
            "output means nothing until it is trained.",
            weights_file,
            ", ".join(missing_pooler),
        )
    unexpected = sorted(set(state_dict) - set(model.state_dict()))
    if unexpected:
        logger.info(
            "Ignoring weights from '%s' that BertModel does not use: %s", weights_file, unexpected
        )
    # One tensor at a time, each dropped once copied: the whole checkpoint is never in memory
    # next to the model (what `load_state_dict` would need). Shapes were checked above.
    targets = model.state_dict()
    with torch.no_grad():
        for key in list(state_dict):
            value = state_dict.pop(key)
            if key in targets:
                copy_weight(targets[key], value)
            del value
    return LoadedCheckpoint(model, config_file, weights_file, missing_pooler)
