import hashlib
import subprocess
import sys

from tests.paths import FIXTURES_ROOT


def digests(root):
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts
    }


def test_fixture_script_rebuilds_the_committed_fixtures_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(FIXTURES_ROOT / "make_fixtures.py"), str(tmp_path)], check=True
    )
    rebuilt = digests(tmp_path)
    assert rebuilt, "the fixture script wrote nothing"
    assert rebuilt == digests(FIXTURES_ROOT)
