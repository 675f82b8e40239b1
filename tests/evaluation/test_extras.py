import subprocess
import sys

import pytest

from bert_cls.evaluation.extras import MissingExtraError, import_extra, require_report_extra


def test_a_missing_extra_names_the_package_and_the_install_command(monkeypatch):
    # A None entry makes the import fail, as if the package were not installed.
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    with pytest.raises(MissingExtraError) as error:
        import_extra("sklearn.metrics", "scoring predictions")
    message = str(error.value)
    assert "scoring predictions needs scikit-learn" in message
    assert "bert_cls[report]" in message
    assert "pip install -c constraints.txt -e '.[report]'" in message


def test_the_report_checks_both_packages_before_it_predicts(monkeypatch):
    require_report_extra()  # both installed here
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match="plotting needs matplotlib"):
        require_report_extra()


def test_an_installed_extra_is_imported():
    assert import_extra("sklearn.metrics", "scoring").__name__ == "sklearn.metrics"


def test_importing_the_report_library_imports_no_more_of_the_extras_than_bert_cls_does():
    # AllenNLP imports every module of the plugin at start-up; these must stay cheap. (AllenNLP
    # itself imports parts of scikit-learn; the report library must add none, nor matplotlib.)
    code = (
        "import sys, bert_cls; before = set(sys.modules); "
        "import bert_cls.evaluation.report, bert_cls.commands.report; "
        "print(sorted(m for m in set(sys.modules) - before "
        "if m.split('.')[0] in ('sklearn', 'matplotlib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
