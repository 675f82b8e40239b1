from pathlib import Path

import pytest

from tests.cli import train

LEARNING_CURVE_EVERY_BATCH = {
    "trainer.callbacks": [{"type": "learning_curve", "every_n_batches": 1}]
}


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory) -> Path:
    """A serialization directory of the fixture config (3 epochs), with a learning curve."""
    run = tmp_path_factory.mktemp("evaluation") / "run"
    train(run, overrides=LEARNING_CURVE_EVERY_BATCH)
    return run
