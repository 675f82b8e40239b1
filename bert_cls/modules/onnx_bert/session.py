"""
An ONNX Runtime session that runs a BERT classifier's ONNX file (`build.build_onnx_classifier`)
on torch tensors, in place of the torch forward.
"""

import tempfile
from pathlib import Path
from typing import Union

import numpy
import torch
from allennlp.common.checks import ConfigurationError
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.onnx_bert.build import build_onnx_classifier
from bert_cls.modules.onnx_bert.dependencies import import_onnx
from bert_cls.modules.onnx_bert.graph import INPUT_NAMES, OUTPUT_NAME

DEFAULT_THREADS = 2
# The name of the file `from_bert` builds in its temporary directory.
_MODEL_FILE = "model.onnx"


class OnnxClassifierSession:
    """
    An `onnxruntime.InferenceSession` (CPU) of a BERT classifier's ONNX file, called like the
    torch forward it replaces: `session(input_ids, token_type_ids, mask)`, each
    `(batch, sequence)` (`mask` true or 1 at real wordpieces), gives the logits
    `(batch, num_labels)` as a float32 torch tensor. It holds the weights as they were when the
    file was written.

    # Parameters

    model_file : `Union[str, Path]`
        The ONNX file: inputs `input_ids`, `token_type_ids`, `attention_mask` (int64), output
        `logits`.
    threads : `int`, optional (default = `2`)
        ONNX Runtime's intra-op threads: how many cores one batch runs on. Operators run one
        after another (one inter-op thread).
    """

    def __init__(self, model_file: Union[str, Path], threads: int = DEFAULT_THREADS) -> None:
        check_threads(threads)
        _, onnxruntime = import_onnx()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.threads = threads
        self._session = onnxruntime.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def from_bert(
        cls,
        bert_model: BertModel,
        classification_layer: torch.nn.Linear,
        int8: bool = False,
        threads: int = DEFAULT_THREADS,
    ) -> "OnnxClassifierSession":
        """
        Builds the ONNX file of `bert_model` and `classification_layer`
        (`build.build_onnx_classifier`, int8 if asked) in a temporary directory and opens a
        session on it; the file is deleted once the session has read it. Raises
        `ConfigurationError` for parameters on a GPU: the session runs on CPU.
        """
        check_threads(threads)
        on_device = sorted(
            {
                str(parameter.device)
                for module in (bert_model, classification_layer)
                for parameter in module.parameters()
                if parameter.device.type != "cpu"
            }
        )
        if on_device:
            raise ConfigurationError(
                f"ONNX Runtime inference runs on CPU, but the model has parameters on "
                f"{', '.join(on_device)}. Predict on CPU (cuda_device -1) to use it."
            )
        with tempfile.TemporaryDirectory(prefix="bert_cls_onnx_") as directory:
            model_file = Path(directory) / _MODEL_FILE
            build_onnx_classifier(bert_model, classification_layer, model_file, int8=int8)
            return cls(model_file, threads)

    def __deepcopy__(self, memo) -> "OnnxClassifierSession":
        # A session is read-only once built and safe to call from several threads: copies of a
        # model share it.
        return self

    def __getstate__(self):
        raise TypeError(
            "An ONNX Runtime session cannot be pickled; pickle the model before "
            "use_onnx_runtime, or call use_onnx_runtime again on the unpickled model."
        )

    def run(
        self, input_ids: numpy.ndarray, token_type_ids: numpy.ndarray, mask: numpy.ndarray
    ) -> numpy.ndarray:
        """The logits, `(batch, num_labels)` float32, for int64 numpy inputs."""
        feed = dict(zip(INPUT_NAMES, (input_ids, token_type_ids, mask)))
        return self._session.run([OUTPUT_NAME], feed)[0]

    def __call__(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        arrays = [
            tensor.detach().cpu().to(torch.int64).numpy()
            for tensor in (input_ids, token_type_ids, mask)
        ]
        return torch.from_numpy(self.run(*arrays))


def check_threads(threads: int) -> None:
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ConfigurationError(
            f"ONNX Runtime's intra-op threads (the predictor's onnx_runtime_threads) must be a "
            f"positive integer, got {threads!r}."
        )
