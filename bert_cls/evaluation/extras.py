"""
The optional dependencies of reports: scikit-learn and matplotlib, in the `report` extra of
`bert_cls`. They are imported only by the functions that need them: AllenNLP imports every
module of a plugin package at start-up, and they would slow down every `allennlp` command.
"""

import importlib
from types import ModuleType

from bert_cls.common.extras import install_instruction

EXTRA = "report"
DISTRIBUTIONS = {"sklearn": "scikit-learn", "matplotlib": "matplotlib"}


class MissingExtraError(ImportError):
    """A report step needs a package of the `report` extra that is not installed."""


def import_extra(module: str, needed_for: str) -> ModuleType:
    """
    Imports `module` (a module of scikit-learn or matplotlib), or raises `MissingExtraError`
    saying what `needed_for` needs and how to install it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        distribution = DISTRIBUTIONS.get(module.split(".")[0], module.split(".")[0])
        raise MissingExtraError(
            f"{needed_for} needs {distribution}, which is not installed ({error}). "
            + install_instruction(EXTRA)
        ) from error


def pyplot() -> ModuleType:
    """matplotlib's pyplot on the non-interactive Agg backend (files only, no display)."""
    matplotlib = import_extra("matplotlib", "plotting")
    matplotlib.use("Agg")
    return import_extra("matplotlib.pyplot", "plotting")


def require_report_extra() -> None:
    """
    Raises `MissingExtraError` unless scikit-learn and matplotlib are both installed: a report
    checks before it predicts, so that a missing package costs no prediction time.
    """
    for module, needed_for in (("sklearn", "the report's metrics"), ("matplotlib", "plotting")):
        import_extra(module, needed_for)
