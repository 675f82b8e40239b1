import json

from allennlp.commands.train import train_model_from_file

import bert_cls  # noqa: F401
from tests.paths import CONFIGS_ROOT


def test_learning_curve_records_batches_and_epochs(tmp_path):
    overrides = {
        "trainer.callbacks": [{"type": "learning_curve", "every_n_batches": 1}],
        "trainer.num_epochs": 2,
    }
    train_model_from_file(
        str(CONFIGS_ROOT / "bert_for_classification.jsonnet"), str(tmp_path), json.dumps(overrides)
    )
    points = [
        json.loads(line) for line in (tmp_path / "learning_curve.jsonl").read_text().splitlines()
    ]
    training = [p for p in points if "loss" in p]
    epoch_ends = [p for p in points if "training_loss" in p]
    # 10 training instances in bucket batches of 5: two batches an epoch.
    assert [(p["epoch"], p["batch"]) for p in training] == [(0, 1), (0, 2), (1, 3), (1, 4)]
    assert [(p["epoch"], p["batch"]) for p in epoch_ends] == [(0, 2), (1, 4)]
    for epoch, point in enumerate(epoch_ends):
        recorded = json.loads((tmp_path / f"metrics_epoch_{epoch}.json").read_text())
        for key in ("training_loss", "training_accuracy", "validation_loss", "validation_accuracy"):
            assert point[key] == recorded[key], key
    # The last running average of an epoch is the epoch's training loss.
    assert training[1]["loss"] == epoch_ends[0]["training_loss"]
