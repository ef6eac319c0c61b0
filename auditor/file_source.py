"""The audit's file source: manifests from files, directories or standard input.

`helm template` output carries no namespace, so the caller may say which
namespace (and which labels) to judge it in, as if it were applied there.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from auditor.documents import InputError, parse_objects
from tiergate.audit import Snapshot
from tiergate.objects import KubeObject
from tiergate.ownership import object_key

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
STDIN = "-"
NAME_LABEL = "kubernetes.io/metadata.name"  # the API server sets it on every namespace


@dataclass(frozen=True)
class AssumedNamespace:
    """`--namespace NAME [--namespace-labels k=v,...]`: where namespace-less input goes."""

    name: str
    labels: Mapping[str, str] | None


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file())
        if not files:
            raise InputError(f"{path}: the directory holds no .yaml, .yml or .json files")
        return files
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    return [path]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read: {error}") from error


def _identity(obj: KubeObject) -> object:
    """What makes two documents the same object; generateName-only ones never are."""
    if obj.metadata.name:
        return (obj.group, *object_key(obj))
    return obj.metadata.uid or id(obj)


def read_objects(paths: Sequence[str], *, stdin: TextIO) -> list[KubeObject]:
    """Objects from every path in order; `-` reads standard input (once).

    An object given twice (the same file named twice, overlapping snapshots)
    counts once: the first copy is kept.
    """
    objects: dict[object, KubeObject] = {}
    for given in paths:
        if given == STDIN:
            found = list(parse_objects(stdin.read().removeprefix("\ufeff"), source="<stdin>"))
        else:
            found = [
                o for p in _files_under(Path(given)) for o in parse_objects(_read(p), source=str(p))
            ]
        for obj in found:
            objects.setdefault(_identity(obj), obj)
    if not objects:
        named = ", ".join("<stdin>" if p == STDIN else p for p in paths)
        raise InputError(f"{named}: no Kubernetes objects of the kinds tiergate judges")
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
