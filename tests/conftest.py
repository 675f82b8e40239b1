import pytest

from tests.paths import PROJECT_ROOT


@pytest.fixture(autouse=True)
def run_from_project_root(monkeypatch):
    # Shipped configs name fixtures and data by paths relative to the project root, as a user
    # running `allennlp train configs/...` from a clone would.
    monkeypatch.chdir(PROJECT_ROOT)
