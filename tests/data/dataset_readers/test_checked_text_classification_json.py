import logging
from pathlib import Path
from typing import List

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance, Vocabulary
from allennlp.data.dataset_readers import TextClassificationJsonReader

import bert_cls.data  # noqa: F401  (registers the plugin's classes)
from bert_cls.data.dataset_readers import CheckedTextClassificationJsonReader, JsonLinesError
from bert_cls.data.tokenizers import BertBasicTokenizer
from tests.paths import FIXTURES_ROOT

LOGGER = "bert_cls.data.dataset_readers.json_lines"


def make_reader(**kwargs) -> CheckedTextClassificationJsonReader:
    return CheckedTextClassificationJsonReader(tokenizer=BertBasicTokenizer(), **kwargs)


def write(tmp_path: Path, content, name: str = "data.jsonl") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def read(path: str, **kwargs) -> List[Instance]:
    return list(make_reader(**kwargs).read(path))


def words(instance: Instance) -> List[str]:
    return [token.text for token in instance["tokens"].tokens]


def read_error(tmp_path: Path, content, **kwargs) -> str:
    path = write(tmp_path, content)
    with pytest.raises(JsonLinesError) as error:
        read(path, **kwargs)
    assert str(error.value).startswith(f"{path}, line ") or str(error.value).startswith(path)
    return str(error.value)


def test_reads_like_text_classification_json():
    path = str(FIXTURES_ROOT / "data" / "train.jsonl")
    checked = read(path)
    original = list(TextClassificationJsonReader(tokenizer=BertBasicTokenizer()).read(path))
    assert len(checked) == len(original) == 10
    for ours, theirs in zip(checked, original):
        assert words(ours) == words(theirs)
        assert ours["label"].label == theirs["label"].label
    assert words(checked[0]) == ["i", "love", "this", "movie", "!"]
    assert checked[0]["label"].label == "pos"


def test_registered_and_from_params():
    assert (
        DatasetReader.by_name("checked_text_classification_json")
        is CheckedTextClassificationJsonReader
    )
    reader = DatasetReader.from_params(
        Params(
            {
                "type": "checked_text_classification_json",
                "tokenizer": {"type": "bert-basic"},
                "text_key": "body",
                "require_labels": False,
                "ignored_keys": ["uid"],
                "max_instances": 1,
            }
        )
    )
    assert isinstance(reader, CheckedTextClassificationJsonReader)
    assert isinstance(reader, TextClassificationJsonReader)


def test_errors_are_configuration_and_value_errors():
    assert issubclass(JsonLinesError, ConfigurationError)
    assert issubclass(JsonLinesError, ValueError)


def test_blank_lines_are_skipped_and_counted(tmp_path):
    content = '\n{"text": "good", "label": "pos"}\n  \n{"text": "bad", "label": \n'
    message = read_error(tmp_path, content)
    assert ", line 4: is not valid JSON: Expecting value (column 26)." in message
    path = write(
        tmp_path, '\n{"text": "good", "label": "pos"}\n\n\n{"text": "bad", "label": "neg"}'
    )
    assert [words(instance) for instance in read(path)] == [["good"], ["bad"]]


def test_line_not_an_object(tmp_path):
    message = read_error(tmp_path, '{"text": "good", "label": "pos"}\n["good", "pos"]\n')
    assert message.endswith(", line 2: is an array, not a JSON object with a text.")
    assert "line 1: is a string" in read_error(tmp_path, '"good"\n')


def test_missing_text_names_the_keys_present(tmp_path):
    message = read_error(tmp_path, '{"body": "good", "label": "pos"}\n')
    assert message.endswith(", line 1: has no 'text' key (keys present: 'body', 'label').")
    message = read_error(tmp_path, '{"text": "good", "label": "pos"}\n', text_key="body")
    assert "has no 'body' key (keys present: 'text', 'label')" in message


@pytest.mark.parametrize(
    "text, problem",
    [
        ("42", "'text' is a number, not a string."),
        ("null", "'text' is null, not a string."),
        ('["a", "b"]', "'text' is an array, not a string."),
        ('""', "'text' is empty; there is nothing to classify."),
        ('" \\t\\n "', "'text' is only whitespace; there is nothing to classify."),
    ],
)
def test_text_must_be_a_non_empty_string(tmp_path, text, problem):
    content = '{"text": "fine", "label": "pos"}\n{"text": %s, "label": "pos"}\n' % text
    message = read_error(tmp_path, content)
    assert message.endswith(f", line 2: {problem}")


def test_labels_are_required_by_default(tmp_path):
    message = read_error(tmp_path, '{"text": "good", "id": 3}\n')
    assert ", line 1: has no 'label' key, but the reader requires labels" in message
    assert "(keys present: 'text', 'id')" in message
    assert "require_labels" in message
    message = read_error(tmp_path, '{"text": "good", "label": null}\n')
    assert ", line 1: 'label' is null, but the reader requires labels" in message


def test_unlabelled_lines_without_require_labels(tmp_path):
    path = write(
        tmp_path,
        '{"text": "good"}\n{"text": "bad", "label": null}\n{"text": "fun", "label": "pos"}\n',
    )
    instances = read(path, require_labels=False)
    assert ["label" in instance.fields for instance in instances] == [False, False, True]


@pytest.mark.parametrize(
    "label, problem",
    [
        ('["pos"]', "label 'label' is an array, not a single label."),
        ('{"name": "pos"}', "label 'label' is an object, not a single label."),
        ('" "', "label 'label' is an empty string."),
    ],
)
def test_label_must_be_one_label(tmp_path, label, problem):
    message = read_error(tmp_path, '{"text": "good", "label": %s}\n' % label)
    assert message.endswith(f", line 1: {problem}")


def test_numbers_and_booleans_become_label_strings(tmp_path):
    path = write(tmp_path, '{"text": "good", "label": 1}\n{"text": "bad", "label": false}\n')
    assert [instance["label"].label for instance in read(path)] == ["1", "False"]


def test_skip_label_indexing_needs_integers(tmp_path):
    path = write(
        tmp_path,
        '{"text": "good", "label": 1}\n'
        '{"text": "bad", "label": "0"}\n'
        '{"text": "ok", "label": 2.0}\n',
    )
    assert [instance["label"].label for instance in read(path, skip_label_indexing=True)] == [
        1,
        0,
        2,
    ]
    for label in ('"pos"', "2.5", "true"):
        message = read_error(
            tmp_path, '{"text": "good", "label": %s}\n' % label, skip_label_indexing=True
        )
        assert ", line 1: label 'label' is " in message
        assert "skip_label_indexing needs integer labels" in message


def test_custom_keys(tmp_path):
    path = write(tmp_path, '{"body": "good film", "class": "pos"}\n')
    instances = read(path, text_key="body", label_key="class")
    assert words(instances[0]) == ["good", "film"]
    assert instances[0]["label"].label == "pos"


def test_unknown_keys_are_warned_about_once_a_file(tmp_path, caplog):
    first = write(
        tmp_path,
        '{"text": "good", "label": "pos", "id": 1}\n'
        '{"text": "good", "label": "pos", "source": "web", "score": 3}\n'
        '{"text": "bad", "label": "neg", "source": "web"}\n',
    )
    second = write(tmp_path, '{"text": "good", "label": "pos", "lang": "en"}\n', name="other.jsonl")
    reader = make_reader()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert len(list(reader.read(first))) == 3
        list(reader.read(first))
        list(reader.read(second))
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(messages) == 2
    assert messages[0].startswith(f"{first}, line 2: ignoring unknown keys 'source', 'score'")
    assert "ignored_keys" in messages[0]
    assert messages[1].startswith(f"{second}, line 1: ignoring unknown key 'lang'")


def test_ignored_keys(tmp_path, caplog):
    path = write(tmp_path, '{"text": "good", "label": "pos", "source": "web"}\n')
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        read(path, ignored_keys=["source"])
    assert not [r for r in caplog.records if r.name == LOGGER]
    # Replacing the default also stops ignoring "id".
    path = write(tmp_path, '{"text": "good", "label": "pos", "id": 1}\n')
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        read(path, ignored_keys=[])
    assert "unknown key 'id'" in caplog.records[-1].getMessage()


@pytest.mark.parametrize("content", ["", "\n", "  \n\n\t\n"])
def test_file_without_data(tmp_path, content):
    path = write(tmp_path, content)
    with pytest.raises(JsonLinesError) as error:
        read(path)
    assert str(error.value) == (
        f"{path} has no data: it is empty or holds only blank lines; "
        "expected one JSON object a line."
    )


def test_invalid_utf8_names_the_line(tmp_path):
    content = (
        '{"text": "good", "label": "pos"}\n\n'.encode() + b'{"text": "caf\xe9", "label": "pos"}\n'
    )
    message = read_error(tmp_path, content)
    assert message.endswith(", line 3: is not valid UTF-8 (bytes e9 at byte 14 of the line).")


def test_byte_order_mark_crlf_and_unicode_line_separators(tmp_path):
    content = (
        '\ufeff{"text": "good film", "label": "pos"}\r\n'
        '{"text": "bad\u2028film", "label": "neg"}\r\n'
    )
    path = write(tmp_path, content)
    instances = read(path)
    assert [words(instance) for instance in instances] == [["good", "film"], ["bad", "film"]]


def test_max_instances(tmp_path):
    path = write(tmp_path, '{"text": "good", "label": "pos"}\n{"text": "bad", "label": "neg"}\n')
    assert len(read(path, max_instances=1)) == 1


def test_typed_special_tokens_are_text(tmp_path):
    path = write(
        tmp_path,
        '{"text": "great [SEP] movie [SEP] boring [SEP] plot", "label": "neg"}\n'
        '{"text": "[CLS] fun [MASK]", "label": "pos"}\n',
    )
    instances = read(path)
    assert words(instances[0]) == ["great", "[", "SEP", "]", "movie", "[", "SEP", "]"] + [
        "boring",
        "[",
        "SEP",
        "]",
        "plot",
    ]
    assert words(instances[1]) == ["[", "CLS", "]", "fun", "[", "MASK", "]"]
    # The predictor's path, text_to_instance, splits them too.
    assert words(make_reader().text_to_instance("a [PAD] b")) == ["a", "[", "PAD", "]", "b"]
    # "keep" is AllenNLP 0.9's behaviour: bert-basic keeps them whole, as BERT's special tokens.
    kept = read(path, special_tokens_in_text="keep")
    assert words(kept[0]) == ["great", "[SEP]", "movie", "[SEP]", "boring", "[SEP]", "plot"]
    assert words(kept[1]) == ["[CLS]", "fun", "[MASK]"]
    with pytest.raises(ConfigurationError, match="Unknown special_tokens_in_text"):
        make_reader(special_tokens_in_text="refuse")


def test_label_surrounding_whitespace_is_stripped(tmp_path):
    content = '{"text": "good", "label": "pos "}\n{"text": "bad", "label": "\\tneg"}\n'
    path = write(tmp_path, content)
    assert [instance["label"].label for instance in read(path)] == ["pos", "neg"]


def test_look_alike_labels_are_warned_about_once_a_file(tmp_path, caplog):
    path = write(
        tmp_path,
        '{"text": "a", "label": "pos"}\n'
        '{"text": "b", "label": "neg"}\n'
        '{"text": "c", "label": "pos "}\n'
        '{"text": "d", "label": " neg"}\n'
        '{"text": "e", "label": "Pos"}\n'
        '{"text": "f", "label": 1}\n'
        '{"text": "g", "label": "1"}\n'
        '{"text": "h", "label": 1.0}\n'
        '{"text": "i", "label": "neg"}\n',
    )
    reader = make_reader()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        labels = [instance["label"].label for instance in reader.read(path)]
        list(reader.read(path))
    assert labels == ["pos", "neg", "pos", "neg", "Pos", "1", "1", "1.0", "neg"]
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert messages == [
        f"{path}: labels differ only by surrounding whitespace, case or the spelling of a "
        "number: 'pos' (line 1) and 'pos ' (line 3) and 'Pos' (line 5) are 2 different labels; "
        "'neg' (line 2) and ' neg' (line 4) are read as one label, 'neg' (surrounding whitespace "
        "is stripped); '1' (line 6) and '1.0' (line 8) are 2 different labels. If they mean one "
        "class, write them alike. This warning is given once a file."
    ]


def test_distinct_labels_are_not_warned_about(tmp_path, caplog):
    path = write(
        tmp_path,
        '{"text": "a", "label": "pos"}\n{"text": "b", "label": "positive"}\n'
        '{"text": "c", "label": 1}\n{"text": "d", "label": "1"}\n{"text": "e", "label": 10}\n',
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        read(path)
    assert not [r for r in caplog.records if r.name == LOGGER]


def test_skip_label_indexing_needs_labels_from_zero(tmp_path):
    content = '{"text": "good", "label": 0}\n{"text": "bad", "label": -1}\n'
    message = read_error(tmp_path, content, skip_label_indexing=True)
    assert message.endswith(
        ", line 2: label 'label' is -1, but skip_label_indexing needs integer labels from 0 (the "
        "index of the class)."
    )


def test_a_label_the_vocabulary_lacks_names_file_and_line(tmp_path):
    path = write(
        tmp_path,
        '{"text": "good", "label": "pos"}\n\n{"text": "meh", "label": "neutral"}\n',
    )
    good, unknown = read(path)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(["pos", "neg"], "labels")
    good.index_fields(vocab)
    assert good["label"]._label_id == 0
    with pytest.raises(JsonLinesError) as error:
        unknown.index_fields(vocab)
    assert str(error.value) == (
        f"{path}, line 3: label 'neutral' is not one of the labels the model knows ('pos', 'neg', "
        "vocabulary namespace 'labels'). A model predicts only the labels of the data its "
        "vocabulary was built from."
    )


def test_integer_labels_carry_their_line_for_the_model(tmp_path):
    path = write(tmp_path, '{"text": "good", "label": 1}\n{"text": "bad", "label": 7}\n')
    instances = read(path, skip_label_indexing=True)
    assert [instance["label_line"].metadata for instance in instances] == [
        f"{path}, line 1",
        f"{path}, line 2",
    ]
    # String labels are checked by their field: no extra field.
    assert set(read(write(tmp_path, '{"text": "a", "label": "pos"}\n'))[0].fields) == {
        "tokens",
        "label",
    }
