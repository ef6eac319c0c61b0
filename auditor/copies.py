"""Copies of one object in the input: collapse the ones that agree, refuse the ones that do not.

Overlapping `kubectl get` snapshots repeat objects with a new resourceVersion
or status; that is harmless. Two copies that disagree on what tiergate reads
(labels, the judged spec, owners) would make the verdict depend on `-f` order,
so they are an input error naming both places.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.documents import InputError
from tiergate.objects import KubeObject
from tiergate.ownership import object_key

# Fields a copy may differ in and still be the same object to tiergate: the
# resourceVersion, and the pod count read from status (the larger one is kept).
_IGNORED: Mapping[str, Any] = {"metadata": {"resource_version"}, "desired_pods": True}
_FIELD_NAMES: Mapping[str, str] = {
    "pod_template": "the pod template",
    "spec_pods": "the replica count",
    "selector_pairs": "the selector",
}


def placed(obj: KubeObject, *, namespace: str | None) -> KubeObject:
    """`obj` in `namespace` (`--namespace`) if it names none, before copies are compared.

    So a copy that names the namespace and one that does not compare equal.
    """
    if namespace is None or obj.metadata.namespace is not None or obj.kind == "Namespace":
        return obj
    metadata = obj.metadata.model_copy(update={"namespace": namespace})
    return obj.model_copy(update={"metadata": metadata})


def _identity(obj: KubeObject) -> object:
    """What makes two documents the same object; generateName-only ones never are."""
    if obj.metadata.name:
        return (obj.group, *object_key(obj))
    return obj.metadata.uid or id(obj)


def _differences(first: KubeObject, second: KubeObject) -> list[str]:
    one, other = first.model_dump(exclude=_IGNORED), second.model_dump(exclude=_IGNORED)
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


def _describe(obj: KubeObject) -> str:
    namespace = f"{obj.metadata.namespace}/" if obj.metadata.namespace else ""
    return f"{obj.kind} {namespace}{obj.name}"


def merge_copies(found: Iterable[tuple[KubeObject, str]]) -> list[KubeObject]:
    """One object per identity, in first-seen order; `found` pairs each object with its place.

    Copies that agree on what tiergate reads collapse into the one that runs the
    most pods (status may differ between snapshots); any other difference raises
    InputError naming both places and the fields.
    """
    kept: dict[object, tuple[KubeObject, str]] = {}
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
        if obj.desired_pods > first[0].desired_pods:
            kept[identity] = (obj, first[1])
    return [obj for obj, _ in kept.values()]
