import hashlib
import json
import logging
import shutil
import tarfile
from pathlib import Path

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import PRETRAINED_MODEL_ARCHIVE_MAP
from safetensors.torch import load_file

from bert_cls.modules.bert_loading import load_bert_model
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT

PPB_DIR = FIXTURE_BERT
HF_DIR = FIXTURES_ROOT / "bert_hf"
IDS = torch.tensor([[2, 5, 7, 13, 3, 0]])


def pooled(model) -> torch.Tensor:
    model.eval()
    mask = (IDS != 0).long()
    return model(IDS, torch.zeros_like(IDS), mask, output_all_encoded_layers=False)[1]


@pytest.fixture(scope="module")
def reference() -> torch.Tensor:
    return pooled(load_bert_model(str(PPB_DIR)))


def copy_dir(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def make_tar(directory: Path, archive: Path, arcname: str = ".") -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(directory, arcname=arcname)
    return archive


def test_pytorch_pretrained_bert_directory(reference):
    model = load_bert_model(str(PPB_DIR))
    assert model.config.hidden_size == 12
    assert torch.equal(pooled(model), reference)


def test_hugging_face_directory_with_safetensors(reference):
    assert torch.allclose(pooled(load_bert_model(str(HF_DIR))), reference, atol=1e-7)


def test_hugging_face_directory_with_pytorch_model_bin_of_a_task_model(tmp_path, reference):
    directory = tmp_path / "hf_bin"
    directory.mkdir()
    shutil.copy(HF_DIR / "config.json", directory)
    tensors = load_file(str(HF_DIR / "model.safetensors"))
    # A BertForSequenceClassification checkpoint: BERT under "bert.", plus a classifier.
    state = {"bert." + key: value for key, value in tensors.items()}
    state["classifier.weight"] = torch.zeros(2, 12)
    torch.save(state, directory / "pytorch_model.bin")
    assert torch.allclose(pooled(load_bert_model(str(directory))), reference, atol=1e-7)


@pytest.mark.parametrize("source,arcname", [(PPB_DIR, "."), (HF_DIR, "checkpoint")])
def test_tar_gz_archives(tmp_path, reference, source, arcname):
    archive = make_tar(source, tmp_path / "bert.tar.gz", arcname)
    assert torch.allclose(pooled(load_bert_model(str(archive))), reference, atol=1e-7)


def test_every_load_builds_new_modules():
    first, second = load_bert_model(str(PPB_DIR)), load_bert_model(str(PPB_DIR))
    assert first is not second
    assert (
        first.embeddings.word_embeddings.weight.data_ptr()
        != second.embeddings.word_embeddings.weight.data_ptr()
    )


def test_shortcut_name_cached_by_pytorch_pretrained_bert(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("PYTORCH_PRETRAINED_BERT_CACHE", str(tmp_path))
    url = PRETRAINED_MODEL_ARCHIVE_MAP["bert-base-uncased"]
    etag = hashlib.sha256(b'"some-etag"').hexdigest()
    make_tar(PPB_DIR, tmp_path / f"{hashlib.sha256(url.encode()).hexdigest()}.{etag}")
    (tmp_path / f"{hashlib.sha256(url.encode()).hexdigest()}.{etag}.json").write_text(
        json.dumps({"url": url})
    )
    assert torch.allclose(pooled(load_bert_model("bert-base-uncased")), reference, atol=1e-7)


def test_shortcut_name_cached_by_the_hugging_face_hub(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", str(tmp_path))
    copy_dir(HF_DIR, tmp_path / "models--bert-base-uncased" / "snapshots" / "0123abcd")
    assert torch.allclose(pooled(load_bert_model("bert-base-uncased")), reference, atol=1e-7)


def test_uncached_shortcut_name_says_it_would_need_a_download(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTORCH_PRETRAINED_BERT_CACHE", str(tmp_path / "ppb"))
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ConfigurationError) as error:
        load_bert_model("bert-base-uncased")
    message = str(error.value)
    assert "'bert-base-uncased'" in message and "download" in message and "local path" in message


def test_missing_path(tmp_path):
    with pytest.raises(ConfigurationError, match="nowhere.*not an existing path"):
        load_bert_model(str(tmp_path / "nowhere"))


def test_directory_without_config(tmp_path):
    with pytest.raises(ConfigurationError, match=r"has no config.json or bert_config.json"):
        load_bert_model(str(tmp_path))


def test_config_that_is_not_json(tmp_path):
    directory = copy_dir(PPB_DIR, tmp_path / "bert")
    (directory / "bert_config.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match=r"bert_config.json' is not valid JSON"):
        load_bert_model(str(directory))


def test_config_lacking_keys(tmp_path):
    directory = copy_dir(PPB_DIR, tmp_path / "bert")
    (directory / "bert_config.json").write_text(json.dumps({"vocab_size": 38}))
    with pytest.raises(ConfigurationError, match=r"lacks the keys \['hidden_size'"):
        load_bert_model(str(directory))


def test_config_of_another_model_type(tmp_path):
    directory = copy_dir(HF_DIR, tmp_path / "roberta")
    config = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps(dict(config, model_type="roberta")))
    with pytest.raises(ConfigurationError, match="'roberta' model"):
        load_bert_model(str(directory))


def test_directory_without_weights(tmp_path):
    directory = copy_dir(PPB_DIR, tmp_path / "bert")
    (directory / "pytorch_model.bin").unlink()
    with pytest.raises(
        ConfigurationError, match="has no weights: expected model.safetensors or pytorch_model.bin"
    ):
        load_bert_model(str(directory))


@pytest.mark.parametrize("weights", ["pytorch_model.bin", "model.safetensors"])
def test_corrupt_weights(tmp_path, weights):
    directory = copy_dir(PPB_DIR if weights.endswith(".bin") else HF_DIR, tmp_path / "bert")
    (directory / weights).write_bytes(b"\x00not a checkpoint at all")
    with pytest.raises(ConfigurationError, match=f"Could not read BERT weights '.*{weights}'"):
        load_bert_model(str(directory))


def test_weights_that_do_not_match_the_config(tmp_path):
    directory = copy_dir(PPB_DIR, tmp_path / "bert")
    config = json.loads((directory / "bert_config.json").read_text())
    (directory / "bert_config.json").write_text(json.dumps(dict(config, vocab_size=100)))
    with pytest.raises(ConfigurationError) as error:
        load_bert_model(str(directory))
    message = str(error.value)
    assert "do not match config" in message and "embeddings.word_embeddings.weight" in message
    assert "(38, 12) in the weights but (100, 12) by the config" in message


def test_weights_of_something_else(tmp_path):
    directory = copy_dir(PPB_DIR, tmp_path / "bert")
    torch.save({"linear.weight": torch.zeros(2, 2)}, directory / "pytorch_model.bin")
    with pytest.raises(ConfigurationError, match="lack .* weights that config .* needs"):
        load_bert_model(str(directory))


def test_checkpoint_without_pooler_loads_with_a_warning(tmp_path, caplog):
    directory = copy_dir(PPB_DIR, tmp_path / "bert")
    state = torch.load(directory / "pytorch_model.bin")
    torch.save(
        {k: v for k, v in state.items() if not k.startswith("pooler.")},
        directory / "pytorch_model.bin",
    )
    with caplog.at_level(logging.WARNING):
        model = load_bert_model(str(directory))
    assert "no pooler" in caplog.text
    assert torch.equal(
        model.embeddings.word_embeddings.weight, state["embeddings.word_embeddings.weight"]
    )


def test_archive_without_a_checkpoint(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README").write_text("nothing here")
    archive = make_tar(tmp_path / "empty", tmp_path / "empty.tar.gz")
    with pytest.raises(ConfigurationError, match="holds no BERT checkpoint"):
        load_bert_model(str(archive))


def test_a_file_that_is_not_an_archive(tmp_path):
    bogus = tmp_path / "bert.tar.gz"
    bogus.write_text("plain text")
    with pytest.raises(ConfigurationError, match="Could not read archive"):
        load_bert_model(str(bogus))


@pytest.mark.parametrize(
    "change,message",
    [
        ({"hidden_act": "gelu_new"}, "hidden_act 'gelu_new'"),
        ({"layer_norm_eps": 1e-5}, "layer_norm_eps 1e-05"),
        ({"position_embedding_type": "relative_key"}, "position_embedding_type 'relative_key'"),
    ],
)
def test_configs_pytorch_pretrained_bert_cannot_compute(tmp_path, change, message):
    directory = copy_dir(HF_DIR, tmp_path / "bert")
    config = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps(dict(config, **change)))
    with pytest.raises(ConfigurationError, match=f"config.json' has {message}"):
        load_bert_model(str(directory))
