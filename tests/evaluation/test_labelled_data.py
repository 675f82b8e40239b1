import pytest

from bert_cls.evaluation.labelled_data import JsonLinesError, read_labelled_lines, texts_and_labels


def write(tmp_path, text):
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def test_lines_keep_their_numbers_labels_and_other_keys(tmp_path):
    path = write(
        tmp_path,
        '{"text": "a", "label": "x", "id": 7}\n\n{"text": "b", "text_pair": "c", "label": 1}\n',
    )
    lines = read_labelled_lines(str(path))
    assert [(line.number, line.label) for line in lines] == [(1, "x"), (3, "1")]
    assert lines[0].inputs == {"text": "a", "id": 7}
    assert lines[1].inputs == {"text": "b", "text_pair": "c"}
    assert texts_and_labels(str(path)) == (["a", "b"], ["x", "1"])


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"text": "a", "label": "x"}\n{"text": "b"}\n', "line 2: has no 'label'"),
        ('{"text": "a", "label": ["x"]}\n', "line 1: 'label' is not one label"),
        ('["a", "x"]\n', "line 1: is an array, not an object"),
        ('{"text": "a", "label": "x"\n', "line 1: is not valid JSON"),
    ],
)
def test_bad_lines_are_named(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(JsonLinesError, match=message) as error:
        read_labelled_lines(str(path))
    assert str(path) in str(error.value)


def test_texts_must_be_strings(tmp_path):
    path = write(tmp_path, '{"text": "a", "label": "x"}\n{"sentence": "b", "label": "y"}\n')
    with pytest.raises(JsonLinesError, match="line 2: has no 'text'; a text string is needed"):
        texts_and_labels(str(path))
