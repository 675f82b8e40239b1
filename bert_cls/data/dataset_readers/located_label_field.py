"""
Labels that remember where they were read, so that a label the model cannot take is reported by
file and line: a string label unknown to the model's vocabulary (when the instance is indexed),
and, with `skip_label_indexing`, an integer label outside the model's classes (by the model, from
the instance's `label_line`).
"""

from typing import Union

from allennlp.data import Instance, Vocabulary
from allennlp.data.fields import LabelField, MetadataField
from overrides import overrides

from bert_cls.data.dataset_readers.json_lines import JsonLine, line_error, quoted

# The instance field holding where the label was read, "<file>, line <n>": the model names it
# when a label is outside its classes.
LABEL_LINE_FIELD = "label_line"


class LocatedLabelField(LabelField):
    """
    A `LabelField` that remembers the file and line its label was read from. Indexing a string
    label that `vocab` does not hold (in its label namespace) raises a `JsonLinesError` naming the
    file, the line, the label and the labels `vocab` holds, instead of AllenNLP's bare `KeyError`.

    # Parameters

    label : `Union[str, int]`
        As for `LabelField`.
    file_path : `str`
        The file the label was read from.
    line : `int`
        Its line number, counted from 1.
    label_namespace : `str`, optional (default = `"labels"`)
        As for `LabelField`.
    skip_indexing : `bool`, optional (default = `False`)
        As for `LabelField`.
    """

    __slots__ = ["file_path", "line"]

    def __init__(
        self,
        label: Union[str, int],
        file_path: str,
        line: int,
        label_namespace: str = "labels",
        skip_indexing: bool = False,
    ) -> None:
        super().__init__(label, label_namespace, skip_indexing)
        self.file_path = file_path
        self.line = line

    @overrides
    def index(self, vocab: Vocabulary) -> None:
        if not self._skip_indexing:
            known = vocab.get_token_to_index_vocabulary(self._label_namespace)
            if self.label not in known:
                raise line_error(
                    self.file_path,
                    self.line,
                    f"label {self.label!r} is not one of the labels the model knows "
                    f"({quoted(known)}, vocabulary namespace {self._label_namespace!r}). A model "
                    "predicts only the labels of the data its vocabulary was built from.",
                )
        super().index(vocab)


def with_located_label(instance: Instance, line: JsonLine, skip_indexing: bool) -> Instance:
    """
    `instance` (read from `line`) with its `label` field, if it has one, made a
    `LocatedLabelField` (in the default namespace, `"labels"`, where both checked readers put
    labels). With `skip_indexing` (integer labels, which only the model can check against its
    classes), also a `label_line` `MetadataField` saying where the label was read.
    """
    label = instance.fields.get("label")
    if isinstance(label, LabelField):
        located = LocatedLabelField(
            label.label, line.file_path, line.number, skip_indexing=skip_indexing
        )
        instance.add_field("label", located)
        if skip_indexing:
            where = MetadataField(f"{line.file_path}, line {line.number}")
            instance.add_field(LABEL_LINE_FIELD, where)
    return instance
