"""From a raw object to its typed view, checked as the API server checks it.

Raw JSON from files, the API or an AdmissionReview is validated here once:
names, namespaces, labels and counts by the API's own rules, the rest by the
typed models of tiergate.objects. An object the API would refuse is an
ObjectError that names the object and the field.
"""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from tiergate.kinds import JudgedKind, KindRole, judged_kind, unserved_version
from tiergate.names import (
    validate_dns_label,
    validate_dns_subdomain,
    validate_label_key,
    validate_label_value,
)
from tiergate.objects import HELM_RELEASE_ANNOTATION, KubeObject, ObjectMeta
from tiergate.validation import describe_errors

# Every key of an object's metadata that ObjectMeta reads (by alias or by name); the view
# ignores the others.
_METADATA_KEYS = tuple(
    dict.fromkeys(
        key for name, info in ObjectMeta.model_fields.items() for key in (info.alias, name) if key
    )
)
# What an update's old and new object may differ in and still read alike otherwise.
_POD_COUNTS = ("desiredPods", "specPods")
_ABSENT = object()


def _selector_pairs(kind: str, *, spec: Mapping[str, Any]) -> dict[str, str]:
    """Equality pairs of a Service's selector, or of a monitor's LabelSelector.

    Read leniently: only equality pairs (and single-value `In`) can name the
    component, and a monitor's selector is not validated by its CRD. Pairs whose
    key or value is not a string name nothing and are left out, never turned
    into text (a crafted value can be an alias tree of any size).
    """
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        return {}
    if kind == "Service":
        return _string_pairs(selector)
    labels = selector.get("matchLabels")
    pairs = _string_pairs(labels) if isinstance(labels, dict) else {}
    expressions = selector.get("matchExpressions")
    for requirement in expressions if isinstance(expressions, list) else ():
        if not isinstance(requirement, dict) or requirement.get("operator") != "In":
            continue
        key, values = requirement.get("key"), requirement.get("values")
        if isinstance(key, str) and isinstance(values, list) and len(values) == 1:
            pairs.update(_string_pairs({key: values[0]}))
    return pairs


def _string_pairs(mapping: Mapping[Any, Any]) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if isinstance(k, str) and isinstance(v, str)}


class ObjectError(ValueError):
    """A document that is not a usable Kubernetes object; the message says why."""


class UnservedVersionError(ObjectError):
    """A judged kind under an apiVersion no supported cluster serves (`extensions/v1beta1`).

    Not judged, and not an input error either: the reader notes it and goes on.
    """


def _section(document: Mapping[str, Any], *, kind: str, name: str) -> Mapping[str, Any]:
    value = document.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ObjectError(f"the {kind}'s {name!r} is not a mapping")
    return value


def _name_rule(kind: str) -> Callable[[str], str]:
    # A Service's name was a DNS-1035 label (no leading digit) until Kubernetes 1.36
    # relaxed it to a DNS label (KEP-5311); the relaxed rule refuses no name a
    # supported cluster accepts.
    if kind in ("Namespace", "Service"):
        return validate_dns_label
    return validate_dns_subdomain


def _checked(value: Any, *, field: str, rule: Callable[[str], str], key: str | None = None) -> None:
    """Apply a name rule to a string value; other types are left to the typed view.

    `key` is the label whose value this is: named in the error (and only worded then,
    as every label of every object is checked)."""
    if isinstance(value, str) and value:
        try:
            rule(value)
        except ValueError as error:
            where = field if key is None else f"{field}[{key}]"
            raise ValueError(f"{where}: {error}") from error


def _check_names(metadata: Mapping[str, Any], *, kind: str) -> None:
    """The object's name, namespace and labels, checked as the API server checks them."""
    _checked(metadata.get("name"), field="metadata.name", rule=_name_rule(kind))
    _checked(metadata.get("namespace"), field="metadata.namespace", rule=validate_dns_label)
    labels = metadata.get("labels")
    for key, value in labels.items() if isinstance(labels, dict) else ():
        _checked(key, field="metadata.labels", rule=validate_label_key)
        _checked(value, field="metadata.labels", key=key, rule=validate_label_value)


def _read_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata the typed view is built from: of the annotations only one is kept."""
    read = dict(metadata)
    annotations = read.get("annotations")
    if isinstance(annotations, dict):
        release = annotations.get(HELM_RELEASE_ANNOTATION)
        if release is None:
            del read["annotations"]  # none read: the same view as no annotations at all
        else:
            read["annotations"] = {HELM_RELEASE_ANNOTATION: release}
    return read


def _display_name(metadata: Mapping[str, Any], *, kind: str) -> str:
    name = metadata.get("name") or metadata.get("generateName")
    if not name:
        raise ObjectError(f"the {kind} has no metadata.name")
    if not isinstance(name, str):
        raise ObjectError(f"the {kind}'s metadata.name must be a string")
    return name


def parse_object(document: Mapping[str, Any]) -> KubeObject | None:
    """Validate one raw object into a KubeObject; None for kinds tiergate never judges.

    Raises UnservedVersionError for a judged kind under an apiVersion that no
    supported cluster serves, and ObjectError for anything the API would refuse.
    """
    reading = _reading(document, check_names=True)
    if reading is None:
        return None
    entry, label, fields = reading
    try:
        return KubeObject.model_validate(fields)
    except ValidationError as error:
        # Name the object's own field path, not the internal podTemplate field.
        prefix = ".".join(entry.template_path or ())

        def rename(path: str) -> str:
            if prefix:
                return path.replace("podTemplate", prefix, 1)
            return path.removeprefix("podTemplate.")

        problems = describe_errors(error, rename=rename)
        raise ObjectError(f"{label}: {'; '.join(problems)}") from error


def reread_unchanged(
    old: Mapping[str, Any], *, new: Mapping[str, Any], new_view: KubeObject
) -> KubeObject | None:
    """`parse_object(old)` without validating again, when an update changed nothing it reads.

    `new_view` is `parse_object(new)`. Most updates change metadata the view does not
    read, or only the pod count: then the old object's view is the new one with the old
    counts. None when anything else differs (or either cannot be read): parse `old` then.
    """
    try:
        old_reading = _reading(old, check_names=False)
        new_reading = _reading(new, check_names=False)
    except ObjectError:
        return None
    if old_reading is None or new_reading is None:
        return None
    old_fields, new_fields = old_reading[2], new_reading[2]
    if not _reads_alike(old_fields, new=new_fields):
        return None
    counts = {
        name: old_fields[key]
        for name, key in (("desired_pods", "desiredPods"), ("spec_pods", "specPods"))
        if key in old_fields and old_fields[key] != new_fields[key]
    }
    return new_view.model_copy(update=counts) if counts else new_view


def _reads_alike(old: dict[str, Any], *, new: dict[str, Any]) -> bool:
    """Whether two readings build the same view but for its pod counts."""
    if old.keys() != new.keys():
        return False
    for key, value in old.items():
        if key == "metadata":
            # Of the metadata, the view reads these keys alone (managedFields and the like
            # change with every update).
            # A plain loop: a generator costs more than the comparisons (every update).
            read, other = value.get, new[key].get
            for name in _METADATA_KEYS:
                if read(name, _ABSENT) != other(name, _ABSENT):
                    return False
        elif key not in _POD_COUNTS and value != new[key]:
            return False
    return True


def _reading(
    document: Mapping[str, Any], *, check_names: bool
) -> tuple[JudgedKind, str, dict[str, Any]] | None:
    """(kind entry, `Kind name` for messages, what the view is validated from), or None for
    kinds tiergate never judges; `check_names` checks names and labels on the way."""
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        raise ObjectError(
            "kind must be a non-empty string" if kind else "the document has no 'kind'"
        )
    if not isinstance(api_version, str) or not api_version:
        raise ObjectError(
            f"the {kind}'s apiVersion must be a non-empty string"
            if api_version
            else f"the {kind} has no 'apiVersion'"
        )
    entry = judged_kind(kind, api_version=api_version)
    if entry is None:
        unserved = unserved_version(kind, api_version=api_version)
        if unserved is None:
            return None
        metadata = document.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        raise UnservedVersionError(
            f"{kind} {name or '(unnamed)'}: not judged: {api_version} is not served by "
            f"Kubernetes >= 1.30 (the {kind} is {unserved.api_version} there)"
        )
    metadata = _section(document, kind=kind, name="metadata")
    spec = _section(document, kind=kind, name="spec")
    status = _section(document, kind=kind, name="status")
    label = f"{kind} {_display_name(metadata, kind=kind)}"
    template_path = entry.template_path
    try:
        if check_names:
            _check_names(metadata, kind=kind)
        fields: dict[str, Any] = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": _read_metadata(metadata),
        }
        if template_path is not None and entry.count_pods is not None:
            fields["podTemplate"] = (
                {"metadata": metadata, "spec": spec}
                if kind == "Pod"
                else _template(document, path=template_path)
            )
            fields["desiredPods"] = entry.count_pods(spec, status=status)
            fields["specPods"] = entry.count_pods(spec, status={})
        if entry.role == KindRole.SATELLITE:
            fields["selectorPairs"] = _selector_pairs(kind, spec=spec)
    except ValueError as error:
        raise ObjectError(f"{label}: {error}") from error
    return entry, label, fields


def _template(document: Mapping[str, Any], *, path: tuple[str, ...]) -> Any:
    """The pod template at `path`; a workload without one is refused, as the API refuses it."""
    node: Any = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if node is None:
        raise ValueError(f"{'.'.join(path)}: a {document['kind']} needs a pod template")
    return node
