"""From a raw object to its typed view, checked as the API server checks it.

Raw JSON from files, the API or an AdmissionReview is validated here once:
names, namespaces, labels and counts by the API's own rules, the rest by the
typed models of tiergate.objects. An object the API would refuse is an
ObjectError that names the object and the field.
"""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from tiergate.kinds import KindRole, judged_kind, unserved_version
from tiergate.names import (
    validate_dns_label,
    validate_dns_subdomain,
    validate_label_key,
    validate_label_value,
)
from tiergate.objects import HELM_RELEASE_ANNOTATION, KubeObject
from tiergate.validation import describe_errors


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


def _checked(value: Any, *, field: str, rule: Callable[[str], str]) -> None:
    """Apply a name rule to a string value; other types are left to the typed view."""
    if isinstance(value, str) and value:
        try:
            rule(value)
        except ValueError as error:
            raise ValueError(f"{field}: {error}") from error


def _checked_metadata(metadata: Mapping[str, Any], *, kind: str) -> dict[str, Any]:
    """The metadata tiergate reads, its names and labels checked as the API server does."""
    _checked(metadata.get("name"), field="metadata.name", rule=_name_rule(kind))
    _checked(metadata.get("namespace"), field="metadata.namespace", rule=validate_dns_label)
    labels = metadata.get("labels")
    for key, value in labels.items() if isinstance(labels, dict) else ():
        _checked(key, field="metadata.labels", rule=validate_label_key)
        _checked(value, field=f"metadata.labels[{key}]", rule=validate_label_value)
    checked = dict(metadata)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        release = annotations.get(HELM_RELEASE_ANNOTATION)
        checked["annotations"] = {} if release is None else {HELM_RELEASE_ANNOTATION: release}
    return checked


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
        fields: dict[str, Any] = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": _checked_metadata(metadata, kind=kind),
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
        return KubeObject.model_validate(fields)
    except ValidationError as error:
        # Name the object's own field path, not the internal podTemplate field.
        prefix = ".".join(template_path or ())

        def rename(path: str) -> str:
            if prefix:
                return path.replace("podTemplate", prefix, 1)
            return path.removeprefix("podTemplate.")

        problems = describe_errors(error, rename=rename)
        raise ObjectError(f"{label}: {'; '.join(problems)}") from error
    except ValueError as error:
        raise ObjectError(f"{label}: {error}") from error


def _template(document: Mapping[str, Any], *, path: tuple[str, ...]) -> Any:
    """The pod template at `path`; a workload without one is refused, as the API refuses it."""
    node: Any = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if node is None:
        raise ValueError(f"{'.'.join(path)}: a {document['kind']} needs a pod template")
    return node
