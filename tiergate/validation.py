"""pydantic validation errors, rewritten as `field.path[0]: message` lines for people.

Config files and Kubernetes objects are both validated with pydantic; users
should read their own field names, not pydantic's vocabulary.
"""

from collections.abc import Callable

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "too_short": "needs at least one item",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "int_type": "expected an integer",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """`("rules", 0, "component")` -> `rules[0].component`.

    A mapping key that is itself wrong (`("labels", 5, "[key]")`) reads
    `labels (the key 5)`.
    """
    if len(loc) >= 2 and loc[-1] == "[key]":
        return f"{field_path(loc[:-2])} (the key {loc[-2]})"
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _message(error: ErrorDetails) -> str:
    return _MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, "))


def describe_errors(
    error: ValidationError, *, rename: Callable[[str], str] = lambda path: path
) -> list[str]:
    """One `path: message` per problem, each path (after `rename`) reported once."""
    lines: dict[str, str] = {}
    for detail in error.errors():
        path = rename(field_path(tuple(detail["loc"])))
        lines.setdefault(path, f"{path}: {_message(detail)}")
    return list(lines.values())
