"""Seeding: objects from YAML or JSON documents (`kind: List` snapshots too) into the store.

Tests start from the repo's cluster snapshots or a few literal objects; seeding
writes them straight to the store as if they had always been there.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.fakeapi.store import Obj, Store


def documents(text: str) -> Iterator[Obj]:
    """The objects in a YAML or JSON stream, lists expanded."""
    for document in yaml.safe_load_all(text):
        yield from expand(document)


def expand(document: Any) -> Iterator[Obj]:
    if document is None:
        return
    if not isinstance(document, dict):
        raise TypeError(f"a seed document must be an object, not {type(document).__name__}")
    if str(document.get("kind", "")).endswith("List") and "items" in document:
        for item in document["items"] or []:
            yield from expand(item)
    else:
        yield document


def seed(store: Store, *, objects: Iterable[Obj]) -> list[Obj]:
    """Store the objects, Namespaces first; an unserved kind is a mistake in the test."""
    ordered = sorted(objects, key=lambda obj: obj.get("kind") != "Namespace")
    stored = []
    for obj in ordered:
        resource = store.catalog.by_kind(str(obj.get("apiVersion")), kind=str(obj.get("kind")))
        if resource is None:
            raise ValueError(
                f"the fake API server does not serve {obj.get('apiVersion')} {obj.get('kind')}"
                " (monitors must be enabled first)"
            )
        stored.append(store.put(resource, obj=obj))
    return stored


def seed_file(store: Store, *, path: Path) -> list[Obj]:
    return seed(store, objects=documents(path.read_text(encoding="utf-8")))
