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

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
STDIN = "-"


@dataclass(frozen=True)
class AssumedNamespace:
    """`--namespace NAME [--namespace-labels k=v,...]`: where namespace-less input goes."""

    name: str
    labels: Mapping[str, str] | None


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES)
        if not files:
            raise InputError(f"{path}: the directory holds no .yaml, .yml or .json files")
        return [p for p in files if p.is_file()]
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    return [path]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read: {error}") from error


def read_objects(paths: Sequence[str], *, stdin: TextIO) -> list[KubeObject]:
    """Objects from every path in order; `-` reads standard input (once)."""
    objects: list[KubeObject] = []
    for given in paths:
        if given == STDIN:
            objects += parse_objects(stdin.read(), source="<stdin>")
            continue
        for path in _files_under(Path(given)):
            objects += parse_objects(_read(path), source=str(path))
    return objects


def _namespace_labels(objects: Iterable[KubeObject]) -> dict[str, dict[str, str]]:
    return {
        obj.name: dict(obj.metadata.labels)
        for obj in objects
        if obj.kind == "Namespace" and obj.group == ""
    }


def build_snapshot(objects: Sequence[KubeObject], *, assumed: AssumedNamespace | None) -> Snapshot:
    """A Snapshot whose namespaces come from Namespace objects and the assumed namespace."""
    namespaces = _namespace_labels(objects)
    if assumed is None:
        return Snapshot(namespaces=namespaces, objects=objects)
    if assumed.labels is not None:
        # The API server sets this label on every namespace; selectors may use it.
        namespaces[assumed.name] = {
            **assumed.labels,
            "kubernetes.io/metadata.name": assumed.name,
        }
    placed = [
        obj.model_copy(
            update={"metadata": obj.metadata.model_copy(update={"namespace": assumed.name})}
        )
        if obj.metadata.namespace is None and obj.kind != "Namespace"
        else obj
        for obj in objects
    ]
    return Snapshot(namespaces=namespaces, objects=placed)
