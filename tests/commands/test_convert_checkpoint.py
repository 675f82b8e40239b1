"""
The checkpoint converter's command line: `python -m bert_cls.commands.convert_checkpoint` and
the `bert-cls-convert-checkpoint` console script, in a subprocess.
"""

import subprocess
import sys
from pathlib import Path

from tests.paths import FIXTURES_ROOT, PROJECT_ROOT

HF_DIR = FIXTURES_ROOT / "bert_hf"


def test_command_line(tmp_path):
    destination = tmp_path / "converted.tar.gz"
    command = [
        sys.executable,
        "-m",
        "bert_cls.commands.convert_checkpoint",
        str(HF_DIR),
        str(destination),
    ]
    result = subprocess.run(
        command + ["--seed", "3"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote {destination}" in result.stdout and "parameters" in result.stdout
    assert "pooler from the source" in result.stdout
    assert destination.is_file()


def test_console_script(tmp_path):
    """`pip install` puts the converter on the PATH as `bert-cls-convert-checkpoint`."""
    script = Path(sys.executable).parent / "bert-cls-convert-checkpoint"
    destination = tmp_path / "converted"
    result = subprocess.run(
        [str(script), str(HF_DIR), str(destination)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (destination / "bert_config.json").is_file()
    assert (destination / "pytorch_model.bin").is_file()
