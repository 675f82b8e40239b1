"""
onnx and onnxruntime are an extra of bert_cls (`bert_cls[onnx]`), imported only
when an ONNX path is used: `--include-package bert_cls` imports every module of the plugin, and
must work without them.
"""

from types import ModuleType
from typing import Tuple

from bert_cls.common.extras import install_instruction

ONNX_EXTRA = "bert_cls[onnx]"


class OnnxNotInstalled(ImportError):
    """onnx or onnxruntime is missing; the message says how to install them."""


def import_onnx() -> Tuple[ModuleType, ModuleType]:
    """
    `(onnx, onnxruntime)`, imported. Raises `OnnxNotInstalled` naming the extra to install when
    either is missing.
    """
    try:
        import onnx
        import onnxruntime
    except ImportError as error:
        raise OnnxNotInstalled(
            f"ONNX export and ONNX Runtime inference need the packages onnx and onnxruntime, "
            f"which are not installed ({error}). "
            + install_instruction("onnx")
            + " (the constraints pin versions that work beside bert_cls's other pins)."
        ) from error
    return onnx, onnxruntime
