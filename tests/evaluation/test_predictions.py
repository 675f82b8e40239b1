import pytest

from bert_cls.evaluation.labelled_data import read_labelled_lines
from bert_cls.evaluation.predictions import PredictionError, load_predictor, predict_labels
from tests.paths import FIXTURES_ROOT

DEV = FIXTURES_ROOT / "data" / "dev.jsonl"


def test_batched_predictions_keep_the_file_order(fixture_run):
    predictor = load_predictor(fixture_run / "model.tar.gz")
    lines = read_labelled_lines(str(DEV))
    one_by_one = [predictor.predict_json(dict(line.inputs))["label"] for line in lines]
    assert predict_labels(predictor, lines, str(DEV), batch_size=3) == one_by_one
    assert set(one_by_one) <= {"pos", "neg"}


def test_a_line_the_predictor_cannot_use_is_named(fixture_run, tmp_path):
    data = tmp_path / "test.jsonl"
    data.write_text(
        '{"text": "a good film", "label": "pos"}\n{"text": "   ", "label": "neg"}\n',
        encoding="utf-8",
    )
    predictor = load_predictor(fixture_run / "model.tar.gz")
    with pytest.raises(PredictionError, match=rf"{data}, line 2: .*no words"):
        predict_labels(predictor, read_labelled_lines(str(data)), str(data))
