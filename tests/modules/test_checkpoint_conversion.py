"""
`bert_cls.modules.checkpoint_conversion`: BERT checkpoints to the pytorch-pretrained-bert layout.
"""

import json
import logging
import shutil
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import torch
import transformers
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import BertModel as PpbBertModel
from pytorch_pretrained_bert.tokenization import BertTokenizer
from safetensors.torch import load_file

from bert_cls.common.bert_files import MINILM_PACKAGE, installed_minilm_directory
from bert_cls.modules.bert_loading import load_bert_model
from bert_cls.modules.checkpoint_conversion import PPB_CONFIG_FIELDS, convert_checkpoint
from tests.paths import FIXTURES_ROOT

HF_DIR = FIXTURES_ROOT / "bert_hf"
FIXTURE_SENTENCES = ["I love this movie!", "the plot was boring and dull ."]
MINILM_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Converting checkpoints between layouts should not change a single output.",
]
TOLERANCE = 1e-5


def tokenize(vocab_file: Path, sentences: List[str]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Word piece ids padded with 0, and the attention mask."""
    tokenizer = BertTokenizer(str(vocab_file), do_lower_case=True)
    rows = [
        tokenizer.convert_tokens_to_ids(["[CLS]"] + tokenizer.tokenize(sentence) + ["[SEP]"])
        for sentence in sentences
    ]
    length = max(len(row) for row in rows)
    ids = torch.tensor([row + [0] * (length - len(row)) for row in rows])
    return ids, (ids != 0).long()


def ppb_pooled(model: PpbBertModel, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return model(ids, torch.zeros_like(ids), mask, output_all_encoded_layers=False)[1]


def transformers_pooled(hf_dir: Path, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # transformers 4.20 cannot read model.safetensors itself, so the weights are loaded by hand.
    model = transformers.BertModel(
        transformers.BertConfig.from_json_file(str(hf_dir / "config.json"))
    )
    result = model.load_state_dict(load_file(str(hf_dir / "model.safetensors")), strict=False)
    assert set(result.missing_keys) <= {"embeddings.position_ids"}
    assert result.unexpected_keys == []
    model.eval()
    with torch.no_grad():
        return model(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        ).pooler_output


def assert_converted_matches_transformers(
    hf_dir: Path, converted: Path, sentences: List[str]
) -> float:
    ids, mask = tokenize(hf_dir / "vocab.txt", sentences)
    assert mask.min() == 0, "the input should exercise padding"
    reference = transformers_pooled(hf_dir, ids, mask)
    diffs = []
    for model in (PpbBertModel.from_pretrained(str(converted)), load_bert_model(str(converted))):
        diffs.append((ppb_pooled(model, ids, mask) - reference).abs().max().item())
    print(
        "\nmax abs pooled-output diff vs transformers (ppb from_pretrained, load_bert_model), "
        f"{hf_dir}: {diffs}"
    )
    assert max(diffs) <= TOLERANCE
    return max(diffs)


def converted_state(directory: Path) -> Dict[str, torch.Tensor]:
    return torch.load(directory / "pytorch_model.bin")


def expected_keys(directory: Path) -> set:
    return set(PpbBertModel.from_pretrained(str(directory)).state_dict())


@pytest.fixture(scope="module")
def fixture_conversion(tmp_path_factory) -> Path:
    return convert_checkpoint(str(HF_DIR), tmp_path_factory.mktemp("converted") / "bert")


@pytest.fixture
def hf_copy(tmp_path) -> Path:
    return Path(shutil.copytree(HF_DIR, tmp_path / "source"))


def save_weights(directory: Path, state: Dict[str, torch.Tensor]) -> None:
    (directory / "model.safetensors").unlink()
    torch.save(state, directory / "pytorch_model.bin")


def edit_config(directory: Path, **changes) -> None:
    config = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps(dict(config, **changes)))


def assert_same_tensors(left: Dict[str, torch.Tensor], right: Dict[str, torch.Tensor]) -> None:
    assert left.keys() == right.keys()
    for key in left:
        assert torch.equal(left[key], right[key]), key


def test_all_minilm_l6_v2_converts_to_an_equivalent_ppb_checkpoint(tmp_path):
    hf_dir = installed_minilm_directory()
    if hf_dir is None:
        pytest.skip(
            f"package {MINILM_PACKAGE} (the real all-MiniLM-L6-v2 checkpoint) is not installed"
        )
    converted = convert_checkpoint(str(hf_dir), tmp_path / "minilm")
    assert sorted(path.name for path in converted.iterdir()) == [
        "bert_config.json",
        "pytorch_model.bin",
        "vocab.txt",
    ]
    assert_converted_matches_transformers(hf_dir, converted, MINILM_SENTENCES)


def test_fixture_converts_to_an_equivalent_ppb_checkpoint(fixture_conversion):
    config = json.loads((fixture_conversion / "bert_config.json").read_text())
    assert sorted(config) == sorted(PPB_CONFIG_FIELDS)
    assert (fixture_conversion / "vocab.txt").read_bytes() == (HF_DIR / "vocab.txt").read_bytes()
    state = converted_state(fixture_conversion)
    assert set(state) == expected_keys(fixture_conversion)
    assert not any(key.endswith(("gamma", "beta", "position_ids")) for key in state)
    assert_converted_matches_transformers(HF_DIR, fixture_conversion, FIXTURE_SENTENCES)


def test_task_model_checkpoint_with_bert_prefix_and_gamma_beta_names(
    tmp_path, hf_copy, fixture_conversion
):
    state = {}
    for key, value in load_file(str(hf_copy / "model.safetensors")).items():
        key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace(
            "LayerNorm.bias", "LayerNorm.beta"
        )
        state["bert." + key] = value
    state["classifier.weight"] = torch.zeros(2, 12)
    state["classifier.bias"] = torch.zeros(2)
    save_weights(hf_copy, state)
    converted = convert_checkpoint(str(hf_copy), tmp_path / "converted")
    assert_same_tensors(converted_state(converted), converted_state(fixture_conversion))


def test_position_ids_are_dropped(tmp_path, hf_copy):
    assert "embeddings.position_ids" in load_file(str(hf_copy / "model.safetensors"))
    converted = convert_checkpoint(str(hf_copy), tmp_path / "converted")
    assert not any("position_ids" in key for key in converted_state(converted))


def test_missing_pooler_is_filled_deterministically_with_a_warning(
    tmp_path, hf_copy, fixture_conversion, caplog
):
    save_weights(
        hf_copy,
        {
            k: v
            for k, v in load_file(str(hf_copy / "model.safetensors")).items()
            if "pooler" not in k
        },
    )
    torch.manual_seed(123)
    expected_draw = torch.rand(3)
    torch.manual_seed(123)
    with caplog.at_level(logging.WARNING):
        first = converted_state(convert_checkpoint(str(hf_copy), tmp_path / "first", seed=7))
    assert torch.equal(torch.rand(3), expected_draw), "the caller's random state must not change"
    assert "untrained" in caplog.text and "seed 7" in caplog.text
    again = converted_state(convert_checkpoint(str(hf_copy), tmp_path / "again", seed=7))
    other_seed = converted_state(convert_checkpoint(str(hf_copy), tmp_path / "other", seed=8))
    assert_same_tensors(first, again)
    assert not torch.equal(first["pooler.dense.weight"], other_seed["pooler.dense.weight"])
    # pytorch-pretrained-bert's init_bert_weights: normal(0, initializer_range) weight, zero bias.
    assert torch.equal(first["pooler.dense.bias"], torch.zeros(12))
    assert 0.01 < first["pooler.dense.weight"].std().item() < 0.03
    reference = converted_state(fixture_conversion)
    for key in reference:
        if not key.startswith("pooler."):
            assert torch.equal(first[key], reference[key]), key


def test_source_without_vocab_warns(tmp_path, hf_copy, caplog):
    (hf_copy / "vocab.txt").unlink()
    with caplog.at_level(logging.WARNING):
        converted = convert_checkpoint(str(hf_copy), tmp_path / "converted")
    assert "has no vocab.txt" in caplog.text
    assert not (converted / "vocab.txt").exists()


def test_tar_gz_destination_is_reproducible_and_loads(tmp_path, fixture_conversion):
    first = convert_checkpoint(str(HF_DIR), tmp_path / "first.tar.gz")
    second = convert_checkpoint(str(HF_DIR), tmp_path / "second.tar.gz")
    assert first.is_file() and first.read_bytes() == second.read_bytes()
    assert_same_tensors(
        load_bert_model(str(first)).state_dict(), converted_state(fixture_conversion)
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first.tar.gz", "second.tar.gz"]


def test_existing_destination_needs_force(tmp_path):
    destination = tmp_path / "converted"
    destination.mkdir()
    (destination / "keep.txt").write_text("old")
    with pytest.raises(ConfigurationError, match=f"'{destination}' already exists.*--force"):
        convert_checkpoint(str(HF_DIR), destination)
    assert [path.name for path in destination.iterdir()] == ["keep.txt"]
    convert_checkpoint(str(HF_DIR), destination, force=True)
    assert sorted(path.name for path in destination.iterdir()) == [
        "bert_config.json",
        "pytorch_model.bin",
        "vocab.txt",
    ]
    assert [path.name for path in tmp_path.iterdir()] == ["converted"]


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    def failing_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        convert_checkpoint(str(HF_DIR), tmp_path / "converted")
    assert list(tmp_path.iterdir()) == []


def test_missing_source(tmp_path):
    with pytest.raises(ConfigurationError, match="nowhere.*not an existing path"):
        convert_checkpoint(str(tmp_path / "nowhere"), tmp_path / "converted")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "field,value",
    [
        ("hidden_act", "gelu_new"),
        ("layer_norm_eps", 1e-5),
        ("position_embedding_type", "relative_key"),
    ],
)
def test_config_ppb_cannot_represent(tmp_path, hf_copy, field, value):
    edit_config(hf_copy, **{field: value})
    out = tmp_path / "out"
    with pytest.raises(ConfigurationError, match=f"config.json' has {field} '?{value}'?"):
        convert_checkpoint(str(hf_copy), out / "converted")
    assert not out.exists() or list(out.iterdir()) == []
