"""Predicting the labels of a labelled file through a model archive's own predictor."""

import logging
from pathlib import Path
from typing import List, Sequence

from allennlp.common.tqdm import Tqdm
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from bert_cls.evaluation.labelled_data import LabelledLine

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 64


class PredictionError(ValueError):
    """An input line the archive's predictor cannot predict, named by file and line."""


def load_predictor(archive_file: Path, cuda_device: int = -1) -> Predictor:
    """The default predictor of the model in `archive_file`, built with its validation reader."""
    archive = load_archive(str(archive_file), cuda_device=cuda_device)
    return Predictor.from_archive(archive, dataset_reader_to_load="validation")


def predict_labels(
    predictor: Predictor,
    lines: Sequence[LabelledLine],
    file_path: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> List[str]:
    """
    The predicted label of each of `lines`, in their order: `predict_batch_json` on batches of
    `batch_size` consecutive lines (the predictor may reorder inside a batch for speed; it
    returns its outputs in input order). A line the predictor fails on raises
    `PredictionError` naming `file_path` and the line.
    """
    labels: List[str] = []
    starts = range(0, len(lines), batch_size)
    for start in Tqdm.tqdm(starts, desc="predicting", total=len(starts)):
        batch = lines[start : start + batch_size]
        try:
            outputs = predictor.predict_batch_json([dict(line.inputs) for line in batch])
        except Exception:
            # One at a time, to name the line that fails.
            outputs = [_predict_one(predictor, line, file_path) for line in batch]
        for line, output in zip(batch, outputs):
            if "error" in output or "label" not in output:
                raise PredictionError(
                    f"{file_path}, line {line.number}: no prediction: {output.get('error', output)}"
                )
            labels.append(str(output["label"]))
    return labels


def _predict_one(predictor: Predictor, line: LabelledLine, file_path: str) -> dict:
    try:
        return predictor.predict_json(dict(line.inputs))
    except Exception as error:
        raise PredictionError(
            f"{file_path}, line {line.number}: the predictor cannot use it: {error}"
        ) from error
