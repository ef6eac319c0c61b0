"""The audit's file source: manifests from files, directories or standard input.

`helm template` output carries no namespace, so the caller may say which
namespace (and which labels) to judge it in, as if it were applied there.
"""

import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from auditor.documents import Position, parse_located
from tiergate.audit import Snapshot
from tiergate.objects import KubeObject
from tiergate.ownership import object_key
from tiergate_edge.directories import list_manifests
from tiergate_edge.failures import InputError
from tiergate_edge.inputs import STDIN_SOURCE, check_readable_file, read_file, read_stream

STDIN = "-"
NAME_LABEL = "kubernetes.io/metadata.name"  # the API server sets it on every namespace


@dataclass(frozen=True)
class AssumedNamespace:
    """`--namespace NAME [--namespace-labels k=v,...]`: where namespace-less input goes."""

    name: str
    labels: Mapping[str, str] | None


@dataclass
class Reading:
    """What the inputs hold: each judged object with where it stands, and notes for stderr."""

    located: list[tuple[KubeObject, Position]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _read_path(given: str, *, reading: Reading, max_bytes: int) -> None:
    path = Path(given)
    status = check_readable_file(path)
    if stat.S_ISDIR(status.st_mode):
        listing = list_manifests(path, root_status=status)
        reading.notes.extend(listing.notes)
        files = listing.files
    else:
        files = [path]
    for file in files:
        text = read_file(file, max_bytes=max_bytes)
        reading.located.extend(parse_located(text, source=str(file), notes=reading.notes))


def read_inputs(paths: Sequence[str], *, stdin: BinaryIO | None, max_bytes: int) -> Reading:
    """Objects from every path in order, with positions; `-` reads standard input (once).

    `stdin` is None when the program was started with standard input closed.
    """
    reading = Reading()
    for given in paths:
        if given == STDIN:
            if stdin is None:
                raise InputError(f"{STDIN_SOURCE}: standard input is closed")
            text = read_stream(stdin, source=STDIN_SOURCE, max_bytes=max_bytes)
            reading.located.extend(parse_located(text, source=STDIN_SOURCE, notes=reading.notes))
        else:
            _read_path(given, reading=reading, max_bytes=max_bytes)
    if not reading.located:
        named = ", ".join(STDIN_SOURCE if p == STDIN else p for p in paths)
        raise InputError(f"{named}: no Kubernetes objects of the kinds tiergate judges")
    return reading


def _identity(obj: KubeObject) -> object:
    """What makes two documents the same object; generateName-only ones never are."""
    if obj.metadata.name:
        return (obj.group, *object_key(obj))
    return obj.metadata.uid or id(obj)


def merge_copies(located: Iterable[tuple[KubeObject, Position]]) -> list[KubeObject]:
    """One object per identity: an object given twice (the same file named twice,
    overlapping snapshots) counts once, and the first copy is kept."""
    objects: dict[object, KubeObject] = {}
    for obj, _ in located:
        objects.setdefault(_identity(obj), obj)
    return list(objects.values())


def _namespace_labels(objects: Iterable[KubeObject]) -> dict[str, dict[str, str]]:
    return {
        obj.name: {NAME_LABEL: obj.name, **obj.metadata.labels}
        for obj in objects
        if obj.kind == "Namespace" and obj.group == ""
    }


def build_snapshot(
    objects: Sequence[KubeObject], *, assumed: AssumedNamespace | None
) -> tuple[Snapshot, list[str]]:
    """A Snapshot whose namespaces come from Namespace objects and the assumed namespace.

    Also returns notes for the user, such as flags that override the input.
    """
    namespaces = _namespace_labels(objects)
    if assumed is None:
        return Snapshot(namespaces=namespaces, objects=objects), []
    notes = []
    if assumed.labels is not None:
        labels = {**assumed.labels, NAME_LABEL: assumed.name}
        given = namespaces.get(assumed.name)
        if given is not None and given != labels:
            notes.append(
                f"--namespace-labels replace the labels of the Namespace {assumed.name} "
                "in the input"
            )
        namespaces[assumed.name] = labels
    placed = [
        obj.model_copy(
            update={"metadata": obj.metadata.model_copy(update={"namespace": assumed.name})}
        )
        if obj.metadata.namespace is None and obj.kind != "Namespace"
        else obj
        for obj in objects
    ]
    return Snapshot(namespaces=namespaces, objects=placed), notes
