"""
A model archive holds all it needs to predict: trained with its BERT in a temporary place that is
then deleted, it still predicts and evaluates through the real command line, from another working
directory, with no override, for every form `bert_model` takes. An archive written before (only
paths kept) loads where its paths exist, and otherwise says which override fixes it.
"""

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import torch
from pytorch_pretrained_bert.modeling import PRETRAINED_MODEL_ARCHIVE_MAP

from tests import cli
from tests.cli import FIXTURE_CONFIG, read_jsonl
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT

pytestmark = pytest.mark.slow

HF_BERT = FIXTURES_ROOT / "bert_hf"
PREDICT_LINES = FIXTURES_ROOT / "data" / "predict.jsonl"
DEV = FIXTURES_ROOT / "data" / "dev.jsonl"


def train_with_bert_at(bert_model: str, run: Path, env: dict = None) -> Path:
    overrides = {
        "model.bert_model": bert_model,
        "dataset_reader.token_indexers.bert.pretrained_model": bert_model,
        "trainer.num_epochs": 1,
    }
    args = ["train", FIXTURE_CONFIG, "-s", str(run), "-o", json.dumps(overrides)]
    cli.allennlp(args, text=True, env=env or {})
    return run / "model.tar.gz"


def predict_elsewhere(archive: Path, elsewhere: Path, env: dict = None) -> list:
    output = elsewhere / "predictions.jsonl"
    cli.allennlp(
        ["predict", str(archive), str(PREDICT_LINES), "--include-package", "bert_cls"]
        + ["--output-file", str(output), "--silent"],
        cwd=elsewhere,
        env=env or {},
    )
    return read_jsonl(output)


def assert_every_line_labelled(predictions: list) -> None:
    assert len(predictions) == len(PREDICT_LINES.read_text().splitlines()) == 3
    assert all(prediction["label"] in {"pos", "neg"} for prediction in predictions)


def make_tar_gz(directory: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(directory, arcname=".")
    return archive


def bert_forms(tmp_path: Path):
    """(bert_model string, environment for training) of each form, in a place deleted later."""
    bert_place = tmp_path / "bert_place"
    yield "huggingface-directory", str(shutil.copytree(HF_BERT, bert_place / "hf")), {}
    yield "ppb-directory", str(shutil.copytree(FIXTURE_BERT, bert_place / "ppb")), {}
    tar_gz = make_tar_gz(FIXTURE_BERT, bert_place / "bert.tar.gz")
    yield "tar-gz", str(tar_gz), {}
    hub = bert_place / "hub"
    shutil.copytree(HF_BERT, hub / "models--bert-base-uncased" / "snapshots" / "0123abcd")
    yield "hub-cached-shortcut", "bert-base-uncased", {"HUGGINGFACE_HUB_CACHE": str(hub)}


FORMS = ["huggingface-directory", "ppb-directory", "tar-gz", "hub-cached-shortcut"]


@pytest.mark.parametrize("form", FORMS)
def test_archive_predicts_elsewhere_after_its_bert_is_deleted(tmp_path, form):
    bert_model, env = next((b, e) for name, b, e in bert_forms(tmp_path) if name == form)
    archive = train_with_bert_at(bert_model, tmp_path / "run", env)
    shutil.rmtree(tmp_path / "bert_place")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The hub cache is gone too: a shortcut name resolves to nothing now.
    assert_every_line_labelled(
        predict_elsewhere(archive, elsewhere, {"HUGGINGFACE_HUB_CACHE": str(elsewhere)})
    )


def test_shortcut_cached_by_pytorch_pretrained_bert(tmp_path):
    cache = tmp_path / "ppb_cache"
    cache.mkdir()
    url = PRETRAINED_MODEL_ARCHIVE_MAP["bert-base-uncased"]
    name = hashlib.sha256(url.encode()).hexdigest()
    make_tar_gz(FIXTURE_BERT, cache / name)
    (cache / f"{name}.json").write_text(json.dumps({"url": url}))
    # pytorch-pretrained-bert caches the vocabulary apart from the weights.
    from pytorch_pretrained_bert.tokenization import PRETRAINED_VOCAB_ARCHIVE_MAP

    vocab_url = PRETRAINED_VOCAB_ARCHIVE_MAP["bert-base-uncased"]
    shutil.copy(FIXTURE_BERT / "vocab.txt", cache / hashlib.sha256(vocab_url.encode()).hexdigest())
    archive = train_with_bert_at(
        "bert-base-uncased", tmp_path / "run", {"PYTORCH_PRETRAINED_BERT_CACHE": str(cache)}
    )
    shutil.rmtree(cache)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTORCH_PRETRAINED_BERT_CACHE": str(cache)}
    assert_every_line_labelled(predict_elsewhere(archive, elsewhere, env))


@pytest.fixture(scope="module")
def archive_without_its_bert(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("self_contained")
    bert = shutil.copytree(FIXTURE_BERT, tmp_path / "bert")
    archive = train_with_bert_at(str(bert), tmp_path / "run")
    shutil.rmtree(bert)
    return archive


def test_evaluate_elsewhere_with_batch_size(archive_without_its_bert, tmp_path):
    output = tmp_path / "metrics.json"
    cli.allennlp(
        ["evaluate", str(archive_without_its_bert), str(DEV), "--include-package", "bert_cls"]
        + ["--output-file", str(output)],
        cwd=tmp_path,
    )
    assert 0.0 <= json.loads(output.read_text())["accuracy"] <= 1.0


def test_archive_holds_the_wordpieces_and_the_bert_config(archive_without_its_bert):
    with tarfile.open(archive_without_its_bert) as tar:
        names = tar.getnames()
        wordpieces = tar.extractfile("vocabulary/bert.txt").read().decode().split("\n")
        weights = torch.load(io.BytesIO(tar.extractfile("weights.th").read()))
    assert wordpieces[:-1] == (FIXTURE_BERT / "vocab.txt").read_text().splitlines()
    config = json.loads(bytes(weights["_bert_config_json"].tolist()))
    assert config == json.loads((FIXTURE_BERT / "bert_config.json").read_text())
    assert "config.json" in names


def rewrite_as_an_earlier_bert_cls_archive(archive: Path, target: Path) -> Path:
    """The same archive as an earlier bert_cls wrote it: no BERT config, no wordpieces."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as old:
        for member in source.getmembers():
            if member.name == "vocabulary/bert.txt":
                continue
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == "weights.th":
                state = torch.load(io.BytesIO(data))
                del state["_bert_config_json"]
                buffer = io.BytesIO()
                torch.save(state, buffer)
                data = buffer.getvalue()
            if member.name == "vocabulary/non_padded_namespaces.txt":
                data = b"".join(line for line in io.BytesIO(data) if line.strip() != b"bert")
            if data is not None:
                member.size = len(data)
                old.addfile(member, io.BytesIO(data))
            else:
                old.addfile(member)
    return target


def test_earlier_archive_without_its_bert_names_the_override(archive_without_its_bert, tmp_path):
    old = rewrite_as_an_earlier_bert_cls_archive(archive_without_its_bert, tmp_path / "old.tar.gz")
    result = cli.allennlp(
        ["predict", str(old), str(PREDICT_LINES), "--include-package", "bert_cls", "--silent"],
        cwd=tmp_path,
        check=False,
        text=True,
    )
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert '"model.bert_model": "/path/to/bert"' in result.stderr
    assert '"dataset_reader.token_indexers.bert.pretrained_model"' in result.stderr

    overrides = {
        "model.bert_model": str(FIXTURE_BERT),
        "dataset_reader.token_indexers.bert.pretrained_model": str(FIXTURE_BERT),
    }
    output = tmp_path / "predictions.jsonl"
    cli.allennlp(
        ["predict", str(old), str(PREDICT_LINES), "--include-package", "bert_cls", "--silent"]
        + ["-o", json.dumps(overrides), "--output-file", str(output)],
        cwd=tmp_path,
    )
    assert_every_line_labelled(read_jsonl(output))
