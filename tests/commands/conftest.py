from pathlib import Path
from typing import Callable, Dict, Optional

import pytest

from tests.cli import train


@pytest.fixture(scope="session")
def trained_archive(tmp_path_factory) -> Callable[..., Path]:
    """
    `trained_archive(config, overrides)`: the `model.tar.gz` of `allennlp train config`, trained
    once a test session for each config (the overrides of its first call are used).
    """
    archives: Dict[str, Path] = {}

    def archive(config: Path, overrides: Optional[dict] = None) -> Path:
        if str(config) not in archives:
            run = tmp_path_factory.mktemp(config.stem) / "run"
            train(run, str(config), overrides)
            archives[str(config)] = run / "model.tar.gz"
        return archives[str(config)]

    return archive
