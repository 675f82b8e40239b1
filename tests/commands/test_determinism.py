"""
Same config, same seed: two real `allennlp train` runs end with identical metrics. (AllenNLP
seeds Python's `random`, numpy and torch from the config's `random_seed`, `numpy_seed` and
`pytorch_seed`, 13370, 1337 and 133 by default; on CPU the fixture model's operations are
deterministic.)
"""

import pytest

from tests.cli import metrics_without_timing, train

pytestmark = pytest.mark.slow


def test_two_runs_of_one_config_give_identical_metrics(tmp_path):
    # Dropout 0.1 in the fixture BERT, shuffled batches with padding noise: all seeded.
    overrides = {"trainer.num_epochs": 5}
    train(tmp_path / "first", overrides=overrides)
    train(tmp_path / "second", overrides=overrides)
    first = metrics_without_timing(tmp_path / "first")
    assert first == metrics_without_timing(tmp_path / "second")
    assert first["epoch"] == 4 and "training_loss" in first and "best_validation_accuracy" in first


def test_another_seed_gives_other_metrics(tmp_path):
    """The comparison above can fail: the seed does reach training."""
    train(tmp_path / "first", overrides={"trainer.num_epochs": 5})
    train(
        tmp_path / "second",
        overrides={"trainer.num_epochs": 5, "pytorch_seed": 7, "random_seed": 8},
    )
    first = metrics_without_timing(tmp_path / "first")
    second = metrics_without_timing(tmp_path / "second")
    assert first["training_loss"] != second["training_loss"]
