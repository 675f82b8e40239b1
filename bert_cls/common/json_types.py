"""
How error messages name the type of a JSON value: the names a user reading the JSON would use,
from the Python type `json.loads` gave it.
"""

from typing import Any, Dict

JSON_TYPE_NAMES: Dict[type, str] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def json_type_name(value: Any) -> str:
    """The JSON name of `value`'s type (`"a string"`, `"null"`, ...); else its Python type name."""
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)
