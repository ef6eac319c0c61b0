"""Copies of one object in the input: collapse the ones that agree, refuse the ones that do not.

Overlapping `kubectl get` snapshots repeat objects with a new resourceVersion
or status; that is harmless. Two copies that disagree on what tiergate reads
(labels, the judged spec, owners) would make the verdict depend on `-f` order,
so they are an input error naming both places.
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from tiergate.records import WorkloadRecord
from tiergate.sieve import Kept
from tiergate_edge.failures import InputError

# Fields a copy may differ in and still be the same object to tiergate: the
# resourceVersion, and the pod count read from status (the larger one is kept).
_IGNORED: Mapping[str, Any] = {"metadata": {"resource_version"}, "desired_pods": True}
_FIELD_NAMES: Mapping[str, str] = {
    "pod_template": "the pod template",
    "spec_pods": "the replica count",
    "selector_pairs": "the selector",
    "record": "the owner, the images or the namespace",
}


def placed(obj: Kept, *, namespace: str | None) -> Kept:
    """`obj` in `namespace` (`--namespace`) if it names none, before copies are compared.

    So a copy that names the namespace and one that does not compare equal.
    """
    if namespace is None or obj.namespace is not None or obj.kind == "Namespace":
        return obj
    if isinstance(obj, WorkloadRecord):
        return replace(obj, namespace=namespace)
    metadata = obj.metadata.model_copy(update={"namespace": namespace})
    return obj.model_copy(update={"metadata": metadata})


def _identity(obj: Kept) -> object:
    """What makes two documents the same object; generateName-only ones never are.

    A record is the same object as the typed view of another copy: the sieve
    sorts copies alike unless they differ in what it reads.
    """
    if isinstance(obj, WorkloadRecord):
        return (obj.kind, obj.namespace, obj.name) if obj.name else (obj.uid or id(obj))
    if obj.metadata.name:
        return (obj.kind, obj.namespace, obj.name)
    return obj.metadata.uid or id(obj)


def _fields(obj: Kept, *, uid: str | None) -> dict[str, Any]:
    """What tiergate reads of a copy, with `uid` in place of its own (see _differences)."""
    if isinstance(obj, WorkloadRecord):
        return {"record": replace(obj, desired_pods=0, uid=uid)}
    fields = obj.model_dump(exclude=_IGNORED)
    fields["metadata"]["uid"] = uid
    return fields


def _differences(first: Kept, second: Kept) -> list[str]:
    if isinstance(first, WorkloadRecord) != isinstance(second, WorkloadRecord):
        return ["what could make it the component"]
    # A manifest has no uid and its copy in a snapshot has one: that is no disagreement.
    uid = first.uid if second.uid is None else second.uid
    one, other = _fields(first, uid=first.uid or uid), _fields(second, uid=second.uid or uid)
    fields = []
    for key in one.keys() | other.keys():
        if one.get(key) == other.get(key):
            continue
        if key == "metadata":
            fields += [
                f"metadata.{name}"
                for name in sorted(one[key].keys() | other[key].keys())
                if one[key].get(name) != other[key].get(name)
            ]
        else:
            fields.append(_FIELD_NAMES.get(key, key))
    return sorted(fields)


def _describe(obj: Kept) -> str:
    namespace = f"{obj.namespace}/" if obj.namespace else ""
    return f"{obj.kind} {namespace}{obj.name}"


def merge_copies(found: Iterable[tuple[Kept, str]]) -> list[Kept]:
    """One object per identity, in first-seen order; `found` pairs each object with its place.

    Copies that agree on what tiergate reads collapse into the one that runs the
    most pods (status may differ between snapshots), and that has a uid (a
    manifest has none); any other difference raises InputError naming both
    places and the fields.
    """
    kept: dict[object, tuple[Kept, str]] = {}
    for obj, where in found:
        identity = _identity(obj)
        first = kept.get(identity)
        if first is None:
            kept[identity] = (obj, where)
            continue
        differences = _differences(first[0], obj)
        if differences:
            raise InputError(
                f"{first[1]} and {where}: two copies of {_describe(obj)} differ in "
                f"{', '.join(differences)}; give one copy of each object"
            )
        if (obj.desired_pods, obj.uid is not None) > (
            first[0].desired_pods,
            first[0].uid is not None,
        ):
            kept[identity] = (obj, first[1])
    return [obj for obj, _ in kept.values()]
