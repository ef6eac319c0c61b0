"""Turn YAML or JSON text into Kubernetes objects, naming the document that fails.

Inputs are `kubectl get -o yaml|json` output, `helm template` streams and hand
written manifests; a bad one must be reported by file and document number,
and a document of a kind tiergate skips must never stop the rest.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from tiergate.kinds import is_judged_kind
from tiergate.reading import ObjectError, UnservedVersionError
from tiergate.sieve import Kept, Sieve
from tiergate_edge.aliases import AliasBombError
from tiergate_edge.failures import InputError
from tiergate_edge.json_stream import NESTED_TOO_DEEPLY, NotJsonError, load_json_documents
from tiergate_edge.yaml_loader import (
    DuplicateKey,
    YamlDocument,
    load_yaml_documents,
    yaml_error_parts,
)


@dataclass(frozen=True)
class Position:
    """Where an object stands: file (or `<stdin>`), document number, List item number."""

    source: str
    document: int
    item: int | None = None

    def __str__(self) -> str:
        item = "" if self.item is None else f", item {self.item}"
        return f"{self.source}: document {self.document}{item}"


@dataclass(frozen=True)
class Document:
    """A parsed document and its duplicate keys by List item (None: outside any item)."""

    number: int
    data: Any
    duplicates: Mapping[int | None, Sequence[DuplicateKey]]


@dataclass
class Sorting:
    """The sieve that sorts what is read, and the notes for standard error."""

    sieve: Sieve
    notes: list[str]


# In order: bool before int, as Python's bool is an int.
_VALUE_WORDS: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "true or false"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (Mapping, "a mapping"),
    (list, "a list"),
)


def describe_value(value: object) -> str:
    """What a YAML or JSON reader calls a value, not what Python calls it."""
    return next((word for kind, word in _VALUE_WORDS if isinstance(value, kind)), "a value")


def _looks_like_json(text: str, *, source: str) -> bool:
    return source.lower().endswith(".json") or text.lstrip().startswith(("{", "["))


def _item_of(duplicate: DuplicateKey, *, root: object) -> int | None:
    """The List item (from 1) a duplicate key lies in, by character offset."""
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "items" and isinstance(value, SequenceNode):
            for index, item in enumerate(value.value, start=1):
                if item.start_mark.index <= duplicate.index < item.end_mark.index:
                    return index
    return None


def _by_item(document: YamlDocument) -> dict[int | None, list[DuplicateKey]]:
    found: dict[int | None, list[DuplicateKey]] = {}
    for duplicate in document.duplicates:
        found.setdefault(_item_of(duplicate, root=document.root), []).append(duplicate)
    return found


def _yaml_documents(text: str, *, source: str) -> Iterator[Document]:
    documents = load_yaml_documents(text)
    number = 0
    while True:
        try:
            document = next(documents)
        except StopIteration:
            return
        except AliasBombError as error:
            raise InputError(f"{source}: document {number + 1}: {error}") from error
        except yaml.YAMLError as error:
            line, problem = yaml_error_parts(error)
            raise InputError(
                f"{source}: document {number + 1}{line}: not valid YAML: {problem}"
            ) from error
        except RecursionError as error:
            raise InputError(f"{source}: document {number + 1}: {NESTED_TOO_DEEPLY}") from error
        number = document.number
        yield Document(number, document.data, _by_item(document) if document.duplicates else {})


def _type_fields(document: Mapping[str, Any], *, position: Position) -> tuple[str, str]:
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if kind is None or kind == "":
        raise InputError(f"{position}: the document has no 'kind'")
    if not isinstance(kind, str):
        raise InputError(f"{position}: kind must be a string, found {describe_value(kind)}")
    if api_version is None or api_version == "":
        raise InputError(f"{position}: the {kind} has no 'apiVersion'")
    if not isinstance(api_version, str):
        found = describe_value(api_version)
        raise InputError(f"{position}: apiVersion must be a string, found {found}")
    return kind, api_version


def _refuse_duplicates(duplicates: Sequence[DuplicateKey], *, position: Position) -> None:
    if duplicates:
        raise InputError(f"{position}: {duplicates[0]}; give each key once")


def _mapping(value: object, *, position: Position) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        found = describe_value(value)
        raise InputError(f"{position}: expected a Kubernetes object (a mapping), found {found}")
    return value


def _located_object(
    document: Mapping[str, Any],
    *,
    position: Position,
    duplicates: Sequence[DuplicateKey],
    reading: Sorting,
) -> Iterator[tuple[Kept, Position]]:
    """What the sieve keeps of the object, and its position; nothing for skipped kinds."""
    kind, api_version = _type_fields(document, position=position)
    if is_judged_kind(kind, api_version=api_version):
        _refuse_duplicates(duplicates, position=position)
    try:
        obj = reading.sieve.keep(document)
    except UnservedVersionError as error:
        # The core's message says "not judged" and why.
        reading.notes.append(f"{position}: {error}")
        return
    except ObjectError as error:
        raise InputError(f"{position}: {error}") from error
    except RecursionError as error:  # a value nested just under the parser's limit
        raise InputError(f"{position}: {NESTED_TOO_DEEPLY}") from error
    if obj is not None:
        yield obj, position


def _item_kind(kind: str, api_version: str) -> str | None:
    """The kind a list holds ("" for `v1 List`: each item names its own), or None."""
    if kind == "List" and api_version == "v1":
        return ""
    item_kind = kind.removesuffix("List")
    if item_kind != kind and is_judged_kind(item_kind, api_version=api_version):
        return item_kind  # the API's typed list (DeploymentList): items carry no kind
    return None


def _items_of(
    document: Document, *, kind: str, item_kind: str, position: Position, reading: Sorting
) -> Iterator[tuple[Kept, Position]]:
    data = document.data
    api_version = data["apiVersion"]
    _refuse_duplicates(document.duplicates.get(None, ()), position=position)
    items = data.get("items") or []
    if not isinstance(items, list):
        found = describe_value(items)
        raise InputError(f"{position}: the {kind}'s items must be a list, found {found}")
    for index, item in enumerate(items, start=1):
        at = Position(position.source, position.document, index)
        fields = _mapping(item, position=at)
        if item_kind:
            fields = {"apiVersion": api_version, "kind": item_kind, **fields}
        elif _item_kind(*_type_fields(fields, position=at)) is not None:
            raise InputError(f"{at}: a list inside a list is not read")
        duplicates = document.duplicates.get(index, ())
        yield from _located_object(fields, position=at, duplicates=duplicates, reading=reading)


def _objects_of(
    document: Document, *, position: Position, reading: Sorting
) -> Iterator[tuple[Kept, Position]]:
    data = _mapping(document.data, position=position)
    kind, api_version = _type_fields(data, position=position)
    item_kind = _item_kind(kind, api_version)
    if item_kind is not None:
        yield from _items_of(
            document, kind=kind, item_kind=item_kind, position=position, reading=reading
        )
        return
    everywhere = [d for found in document.duplicates.values() for d in found]
    yield from _located_object(data, position=position, duplicates=everywhere, reading=reading)


def parse_located(text: str, *, source: str, reading: Sorting) -> Iterator[tuple[Kept, Position]]:
    """What the sieve keeps of each object in a YAML or JSON stream, with where it stands.

    Lists are expanded; documents are sorted as they are read, so a long YAML
    stream is never held parsed whole. Objects tiergate does not judge are
    skipped; `reading.notes` collects what the user should hear about.
    """
    documents: Iterator[Document]
    if _looks_like_json(text, source=source):
        try:
            documents = iter(
                [Document(n, data, {}) for n, data in load_json_documents(text, source=source)]
            )
            # The parsed JSON is all that is needed now; the text goes before the sorting,
            # so that the two are never held at once with what the sieve keeps.
            del text
        except NotJsonError:
            if source.lower().endswith(".json"):
                raise
            documents = _yaml_documents(text, source=source)  # YAML in flow style looks like JSON
    else:
        documents = _yaml_documents(text, source=source)
    for document in documents:
        if document.data is None:
            continue  # an empty document, as `helm template` prints for disabled templates
        position = Position(source, document.number)
        yield from _objects_of(document, position=position, reading=reading)
