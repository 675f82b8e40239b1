"""Reading a labelled JSON-lines file for evaluation, keeping each line's number and object."""

import json
from typing import Any, Dict, List, NamedTuple, Tuple

from bert_cls.data.dataset_readers.json_lines import (
    JsonLinesError,
    json_type_name,
    line_error,
    read_numbered_lines,
)


class LabelledLine(NamedTuple):
    """One line: its number in the file (from 1), its gold label, and the object without it."""

    number: int
    label: str
    inputs: Dict[str, Any]


def read_labelled_lines(file_path: str, label_key: str = "label") -> List[LabelledLine]:
    """
    The non-blank lines of a JSON-lines file, each a JSON object with a label under `label_key`
    (a string, number or boolean, read as a string) and the model's inputs under the other keys
    (for a `bert_for_classification` model, the text under `"text"` or `"sentence"`). Raises
    `JsonLinesError` naming the file and line of a line that is not such an object.
    """
    lines = []
    for number, line in read_numbered_lines(str(file_path)):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise line_error(
                str(file_path), number, f"is not valid JSON: {error.msg} (column {error.colno})."
            ) from error
        if not isinstance(item, dict):
            raise line_error(str(file_path), number, f"is {json_type_name(item)}, not an object.")
        label = item.get(label_key)
        if label is None or isinstance(label, (dict, list)):
            problem = (
                f"has no {label_key!r}" if label is None else f"{label_key!r} is not one label"
            )
            raise line_error(str(file_path), number, f"{problem}; a labelled file is needed.")
        inputs = {key: value for key, value in item.items() if key != label_key}
        lines.append(LabelledLine(number, str(label), inputs))
    return lines


def texts_and_labels(file_path: str, text_key: str = "text") -> Tuple[List[str], List[str]]:
    """The texts (under `text_key`, each a string) and gold labels of a labelled file."""
    texts, labels = [], []
    for line in read_labelled_lines(file_path):
        text = line.inputs.get(text_key)
        if not isinstance(text, str):
            what = "no" if text is None else json_type_name(text) + " as"
            raise line_error(
                str(file_path), line.number, f"has {what} {text_key!r}; a text string is needed."
            )
        texts.append(text)
        labels.append(line.label)
    return texts, labels


__all__ = ["JsonLinesError", "LabelledLine", "read_labelled_lines", "texts_and_labels"]
