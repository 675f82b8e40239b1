import json

import pytest

from examples.spamassassin import variants
from examples.spamassassin.variants import VARIANTS, markdown_table
from tests.paths import SPAMASSASSIN_EXAMPLE
from tests.test_configs import build_and_run_a_batch

CONFIG = SPAMASSASSIN_EXAMPLE / "spamassassin_minilm.jsonnet"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_builds_and_trains_a_batch(name, tmp_path):
    overrides = {**VARIANTS[name], "model.per_label_metrics": True}
    train_model = build_and_run_a_batch(CONFIG, overrides, tmp_path)
    model = train_model.model
    assert model._window_pooling == VARIANTS[name].get("model.window_pooling")
    assert (model._loss.weight is not None) == ("model.class_weights" in VARIANTS[name])


def test_an_existing_output_directory_is_continued(tmp_path, monkeypatch):
    done = {
        "variant": "head",
        "validation_accuracy": 0.9,
        "validation_macro_f1": 0.8,
        "test_accuracy": 0.7,
        "test_macro_f1": 0.6,
        "test_spam_precision": 0.5,
        "test_spam_recall": 0.4,
        "training_duration": "0:01:00",
    }
    (tmp_path / "variants.json").write_text(json.dumps([done]))
    ran = []

    def fake_run(name, overrides, epochs, config, run_dir):
        ran.append(name)
        return {**done, "variant": name}

    monkeypatch.setattr(variants, "run_variant", fake_run)
    monkeypatch.setattr(variants, "link_weights", lambda: None)
    monkeypatch.setattr(variants, "unpack_split", lambda *args: None)
    variants.main(["--output-dir", str(tmp_path), "--variants", "head", "head_tail"])
    assert ran == ["head_tail"]
    saved = json.loads((tmp_path / "variants.json").read_text())
    assert [result["variant"] for result in saved] == ["head", "head_tail"]
    table = (tmp_path / "variants.md").read_text()
    assert table == markdown_table(saved) + "\n"
    assert "| head | 0.9000 | 0.8000 | 0.7000 | 0.6000 | 0.5000 | 0.4000 |" in table
