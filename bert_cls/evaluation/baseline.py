"""
The TF-IDF + logistic regression baseline: TF-IDF over word 1- and 2-grams (sublinear term
frequency, terms in at least 2 training documents) and scikit-learn's `LogisticRegression`
(liblinear; one binary model a label, `OneVsRestClassifier`, when there are more than two), with
its inverse regularization strength C fixed or chosen on validation data.
"""

import logging
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bert_cls.evaluation.extras import import_extra
from bert_cls.evaluation.metrics import classification_metrics

logger = logging.getLogger(__name__)

BASELINE_NAME = "TF-IDF + LR"
DEFAULT_C = 10.0
C_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)

Texts = Tuple[List[str], List[str]]  # texts and their labels


def tfidf_logistic_regression(c: float = DEFAULT_C):
    """An unfitted scikit-learn pipeline: `TfidfVectorizer` then `LogisticRegression(C=c)`."""
    needed_for = f"the {BASELINE_NAME} baseline"
    text = import_extra("sklearn.feature_extraction.text", needed_for)
    linear = import_extra("sklearn.linear_model", needed_for)
    multiclass = import_extra("sklearn.multiclass", needed_for)
    pipeline = import_extra("sklearn.pipeline", needed_for)
    # liblinear fits one-vs-rest; scikit-learn 1.8 asks for the wrapper to say so. With two
    # labels the wrapper fits one binary model, as LogisticRegression alone does.
    return pipeline.make_pipeline(
        text.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        multiclass.OneVsRestClassifier(
            linear.LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=0)
        ),
    )


def choose_c(train: Texts, validation: Texts, grid: Sequence[float] = C_GRID) -> Dict[str, Any]:
    """
    Fits the baseline on `train` with each C of `grid` and scores it on `validation`. Returns
    `{"c": best, "validation": {str(C): {"accuracy", "macro_f1"}}}`, best by validation accuracy,
    then macro-F1, then the smaller C.
    """
    scores = {}
    for c in grid:
        model = tfidf_logistic_regression(c).fit(*train)
        metrics = classification_metrics(validation[1], model.predict(validation[0]).tolist())
        scores[c] = {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
        logger.info("%s with C=%g: validation accuracy %.4f", BASELINE_NAME, c, metrics["accuracy"])
    best = max(grid, key=lambda c: (scores[c]["accuracy"], scores[c]["macro_f1"], -c))
    return {"c": best, "validation": {repr(c): score for c, score in scores.items()}}


def run_baseline(
    train: Texts,
    test_texts: Sequence[str],
    validation: Optional[Texts] = None,
    c: float = DEFAULT_C,
) -> Tuple[List[str], Dict[str, Any]]:
    """
    Fits the baseline on `train`, with C chosen by `choose_c` when `validation` is given, else
    `c`, and predicts `test_texts`. Returns the predicted labels and what describes the fit:
    `name`, `c`, `fit_seconds` (of the final fit), `train_size`, and, when C was chosen, the
    validation scores of each C.
    """
    chosen: Dict[str, Any] = {"c": c}
    if validation is not None:
        chosen = choose_c(train, validation)
    model = tfidf_logistic_regression(chosen["c"])
    started = time.perf_counter()
    model.fit(*train)
    fit_seconds = time.perf_counter() - started
    predicted = model.predict(list(test_texts)).tolist()
    return predicted, {
        "name": BASELINE_NAME,
        **chosen,
        "fit_seconds": fit_seconds,
        "train_size": len(train[0]),
    }
