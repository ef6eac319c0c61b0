"""Label and field selectors as the API server parses and applies them to lists and watches.

Clients send these as strings; a wrong parse would make a test of "only the
namespaces with this label" pass for the wrong reason, so errors are 400s as on a real server.
"""

import re
from collections.abc import Callable
from typing import Any

from tests.fakeapi.status import bad_request

Predicate = Callable[[dict[str, Any]], bool]

_SET = re.compile(r"^\s*(!?)([\w./-]+)\s+(in|notin)\s+\((.*)\)\s*$")
_EQUALITY = re.compile(r"^\s*([\w./-]+)\s*(==|!=|=)\s*([\w.-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)([\w./-]+)\s*$")

# Field selectors the real server supports beyond metadata.name and metadata.namespace.
EXTRA_FIELDS = {
    "pods": {"status.phase", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName"},
    "events": {
        "involvedObject.kind",
        "involvedObject.name",
        "involvedObject.namespace",
        "involvedObject.uid",
        "reason",
        "type",
    },
    "namespaces": {"status.phase"},
}


def _split(selector: str) -> list[str]:
    """Split on the commas that separate requirements, not those inside `in (a,b)`."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def _label_requirement(text: str) -> Callable[[dict[str, str]], bool]:
    if match := _SET.match(text):
        if match.group(1):
            raise bad_request(f"unable to parse requirement: {text}")
        key, operator = match.group(2), match.group(3)
        values = {value.strip() for value in match.group(4).split(",")}
        if operator == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQUALITY.match(text):
        key, operator, value = match.groups()
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS.match(text):
        negated, key = match.groups()
        if negated:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise bad_request(f"unable to parse requirement: {text}")


def label_selector(selector: str) -> Predicate:
    """A predicate on an object from a `labelSelector` query string."""
    requirements = [_label_requirement(part) for part in _split(selector)]

    def matches(obj: dict[str, Any]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(requirement(labels) for requirement in requirements)

    return matches


def _field_value(obj: dict[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def field_selector(selector: str, *, plural: str) -> Predicate:
    """A predicate on an object from a `fieldSelector` query string."""
    allowed = {"metadata.name", "metadata.namespace"} | EXTRA_FIELDS.get(plural, set())
    requirements: list[tuple[str, bool, str]] = []
    for part in _split(selector):
        match = _EQUALITY.match(part)
        if not match:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{part}'")
        path, operator, value = match.groups()
        if path not in allowed:
            raise bad_request(f'field label not supported: "{path}"')
        requirements.append((path, operator != "!=", value))

    def matches(obj: dict[str, Any]) -> bool:
        return all((_field_value(obj, path) == value) is eq for path, eq, value in requirements)

    return matches


def selection(query: dict[str, str], *, plural: str) -> Predicate:
    """Both selectors of a list or watch request as one predicate."""
    predicates = []
    if query.get("labelSelector"):
        predicates.append(label_selector(query["labelSelector"]))
    if query.get("fieldSelector"):
        predicates.append(field_selector(query["fieldSelector"], plural=plural))
    return lambda obj: all(predicate(obj) for predicate in predicates)
