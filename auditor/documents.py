"""Turn YAML or JSON text into Kubernetes objects, naming the document that fails.

Inputs are `kubectl get -o yaml|json` output, `helm template` streams and hand
written manifests; a bad one must be reported by file and document number.
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from tiergate.objects import KubeObject, ObjectError, parse_object

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputError(Exception):
    """Input that cannot be read or parsed; the message names the source and document."""


@dataclass(frozen=True)
class Position:
    source: str
    document: int
    item: int | None = None

    def __str__(self) -> str:
        item = "" if self.item is None else f", item {self.item}"
        return f"{self.source}: document {self.document}{item}"


def _looks_like_json(text: str, *, source: str) -> bool:
    return source.endswith(".json") or text.lstrip().startswith(("{", "["))


def _json_documents(text: str, *, source: str) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    position, number = 0, 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return
        number += 1
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{source}: document {number} (line {error.lineno}): not valid JSON: {error.msg}"
            ) from error
        yield number, document


def _yaml_documents(text: str, *, source: str) -> Iterator[tuple[int, Any]]:
    number = 0
    documents = yaml.load_all(text, Loader=_Loader)
    while True:
        try:
            document = next(documents)
        except StopIteration:
            return
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            problem = getattr(error, "problem", None) or str(error)
            raise InputError(
                f"{source}: document {number + 1}{line}: not valid YAML: {problem}"
            ) from error
        number += 1
        yield number, document


def _objects_of(document: Any, *, position: Position) -> Iterator[KubeObject]:
    if not isinstance(document, Mapping):
        found = type(document).__name__
        raise InputError(f"{position}: expected a Kubernetes object (a mapping), found a {found}")
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in document:
        items = document["items"] or []
        if not isinstance(items, list):
            raise InputError(f"{position}: the {kind}'s items are not a list")
        for index, item in enumerate(items, start=1):
            item_position = Position(position.source, position.document, index)
            yield from _objects_of(item, position=item_position)
        return
    try:
        obj = parse_object(document)
    except ObjectError as error:
        raise InputError(f"{position}: {error}") from error
    if obj is not None:
        yield obj


def parse_objects(text: str, *, source: str) -> Iterator[KubeObject]:
    """Every object in a YAML or JSON stream, `kind: List` documents expanded."""
    documents: Iterable[tuple[int, Any]] = ()
    if _looks_like_json(text, source=source):
        try:
            documents = list(_json_documents(text, source=source))
        except InputError:
            if source.endswith(".json"):
                raise
            documents = _yaml_documents(text, source=source)  # YAML in flow style looks like JSON
    else:
        documents = _yaml_documents(text, source=source)
    for number, document in documents:
        if document is None:
            continue  # an empty document, as `helm template` prints for disabled templates
        yield from _objects_of(document, position=Position(source, number))
