"""
Test accuracy of a trained bert_cls archive in fp32 and after int8 quantization, on the
SpamAssassin example's test split.
"""

import random
import time
from typing import Any, Dict, List, Optional

from allennlp.models.archival import load_archive

from benchmarks.settings import INFER_BATCH_SIZE, WORKLOAD_SEED
from benchmarks.systems.bert_for_classification import quantize_int8
from benchmarks.workloads import read_split
from bert_cls.predictors import BertForClassificationPredictor


def accuracy_of_archive(archive_path: str, limit: Optional[int]) -> Dict[str, Any]:
    """
    Accuracy of the archive's predictor on the test split (on a seeded sample of `limit` emails
    when `limit` is given), in fp32 and then int8, with each one's seconds and the share of
    emails that get the same label from both.
    """
    test = read_split("test")
    if limit is not None:
        random.Random(WORKLOAD_SEED + 2).shuffle(test)
        test = test[:limit]
    texts = [row["text"] for row in test]
    gold = [row["label"] for row in test]
    archive = load_archive(archive_path)
    results: Dict[str, Any] = {
        "archive": archive_path,
        "examples": len(test),
        "subset": limit is not None,
    }
    predictions = {}
    for precision in ("fp32", "int8"):
        model = archive.model if precision == "fp32" else quantize_int8(archive.model)
        predictor = BertForClassificationPredictor(model, archive.validation_dataset_reader)
        labels: List[str] = []
        start = time.perf_counter()
        for begin in range(0, len(texts), INFER_BATCH_SIZE):
            batch = [{"text": text} for text in texts[begin : begin + INFER_BATCH_SIZE]]
            labels += [output["label"] for output in predictor.predict_batch_json(batch)]
        results[f"{precision}_seconds"] = time.perf_counter() - start
        results[precision] = sum(p == g for p, g in zip(labels, gold)) / len(gold)
        predictions[precision] = labels
    agreement = sum(a == b for a, b in zip(predictions["fp32"], predictions["int8"]))
    results["agreement"] = agreement / len(gold)
    return results
