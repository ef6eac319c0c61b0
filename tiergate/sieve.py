"""The fast path: decide from the raw object what a judgement needs to keep of it.

Validating every object into typed views costs far more than reading it. The
sieve looks at a raw object's kind, names, labels, images and selector pairs:
a possible component or satellite of any rule, and every Namespace, go through
the typed views (`parse_object`); other workloads that may own a candidate or
run a rule's broker become small records; the rest is counted and dropped.
Whatever the sieve cannot read cleanly goes to the typed view, which names the
problem, so the sieve never drops something the full path would judge.
"""

from collections.abc import Mapping
from typing import Any

from tiergate.classification import image_matches
from tiergate.config import TiergateConfig
from tiergate.globs import first_matching_glob
from tiergate.kinds import OWNER_KINDS, JudgedKind, KindRole, judged_kind
from tiergate.objects import KubeObject, OwnerReference, parse_object
from tiergate.records import WorkloadRecord
from tiergate.replicas import PodCount

Kept = KubeObject | WorkloadRecord
_CACHE_LIMIT = 65_536  # distinct images remembered; a cluster runs far fewer


class _UnclearError(Exception):
    """The raw object is not shaped as expected: the typed view will say how."""


def _mapping(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _UnclearError
    return value


def _containers(pod_spec: Mapping[str, Any], *, field: str) -> list[Mapping[str, Any]]:
    containers = pod_spec.get(field)
    if containers is None:
        return []
    if not isinstance(containers, list) or not all(isinstance(c, Mapping) for c in containers):
        raise _UnclearError
    return containers


def _image(container: Mapping[str, Any]) -> str:
    image = container.get("image", "")
    if not isinstance(image, str):
        raise _UnclearError
    return image


class Sieve:
    """Sorts raw objects for one configuration; counts what it drops."""

    def __init__(self, config: TiergateConfig) -> None:
        self._rules = config.rules
        self._names = tuple(g for rule in config.rules for g in rule.component.names)
        self._pairs = tuple(
            (key, value) for rule in config.rules for key, value in rule.component.labels.items()
        )
        self._component_image: dict[str, bool] = {}
        self._broker_image: dict[str, bool] = {}
        self.dropped = 0

    def keep(self, document: Mapping[str, Any]) -> Kept | None:
        """The typed view, a record, or None (dropped, or a kind tiergate never judges).

        Raises ObjectError (and UnservedVersionError) exactly as `parse_object` does.
        """
        kind, api_version = document.get("kind"), document.get("apiVersion")
        entry = (
            judged_kind(kind, api_version=api_version)
            if isinstance(kind, str) and isinstance(api_version, str)
            else None
        )
        if entry is None or entry.role == KindRole.NAMESPACE:
            return parse_object(document)
        try:
            if self._may_be_component(document, entry=entry):
                return parse_object(document)
            record = (
                self._record(document, entry=entry, count_pods=entry.count_pods)
                if entry.count_pods is not None
                else None
            )
        except (_UnclearError, ValueError):
            return parse_object(document)
        if record is None:
            self.dropped += 1
        return record

    def _may_be_component(self, document: Mapping[str, Any], *, entry: JudgedKind) -> bool:
        metadata = _mapping(document.get("metadata"))
        name = metadata.get("name") or metadata.get("generateName")
        if not isinstance(name, str) or first_matching_glob(self._names, text=name):
            return True
        if entry.role == KindRole.SATELLITE:
            return self._has_pair(_selector(document, kind=entry.kind))
        if self._has_pair(_mapping(metadata.get("labels"))):
            return True
        pod_spec = _pod_spec(document, entry=entry)
        return any(
            self._is_component_image(_image(c))
            for field in ("initContainers", "containers")
            for c in _containers(pod_spec, field=field)
        )

    def _has_pair(self, labels: Mapping[str, Any]) -> bool:
        for key, value in self._pairs:
            found = labels.get(key, ...)
            if found == value or (found is None and value == ""):
                return True
        return False

    def _is_component_image(self, image: str) -> bool:
        known = self._component_image.get(image)
        if known is None:
            known = any(image_matches(r.component.images, image=image) for r in self._rules)
            _remember(self._component_image, image=image, answer=known)
        return known

    def _is_broker_image(self, image: str) -> bool:
        known = self._broker_image.get(image)
        if known is None:
            known = any(
                r.expected is not None and image_matches(r.expected.with_images, image=image)
                for r in self._rules
            )
            _remember(self._broker_image, image=image, answer=known)
        return known

    def _record(
        self, document: Mapping[str, Any], *, entry: JudgedKind, count_pods: PodCount
    ) -> WorkloadRecord | None:
        """A record of a possible owner or broker; None when it can be neither."""
        pod_spec = _pod_spec(document, entry=entry)
        init = _containers(pod_spec, field="initContainers")
        regular = _containers(pod_spec, field="containers")
        running = frozenset(
            [_image(c) for c in init if c.get("restartPolicy") == "Always"]
            + [_image(c) for c in regular]
        )
        if entry.kind not in OWNER_KINDS and not any(self._is_broker_image(i) for i in running):
            return None
        metadata = _mapping(document.get("metadata"))
        spec, status = _mapping(document.get("spec")), _mapping(document.get("status"))
        labels = _mapping(metadata.get("labels"))
        return WorkloadRecord(
            kind=entry.kind,
            name=_text(metadata.get("name") or metadata.get("generateName")),
            namespace=_optional_text(metadata.get("namespace")),
            uid=_optional_text(metadata.get("uid")),
            controller=_controller(metadata),
            desired_pods=count_pods(spec, status=status),
            pod_template_hash=_label(labels, key="pod-template-hash"),
            images=frozenset(_image(c) for c in init + regular),
            running_images=running,
        )


def _remember(cache: dict[str, bool], *, image: str, answer: bool) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[image] = answer


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _UnclearError
    return value


def _label(labels: Mapping[str, Any], *, key: str) -> str | None:
    """A label's value as the typed view reads it: a null value is the empty string."""
    if key not in labels:
        return None
    value = labels[key]
    return "" if value is None else _text(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _pod_spec(document: Mapping[str, Any], *, entry: JudgedKind) -> Mapping[str, Any]:
    node: Any = document
    for key in entry.template_path or ():
        node = _mapping(node).get(key)
    if node is None:
        raise _UnclearError  # no pod template: the typed view refuses it
    return _mapping(_mapping(node).get("spec"))


def _selector(document: Mapping[str, Any], *, kind: str) -> Mapping[str, Any]:
    """Every pair a Service's or monitor's selector could name, as the typed view reads them."""
    selector = _mapping(_mapping(document.get("spec")).get("selector"))
    if kind == "Service":
        return selector
    pairs = dict(_mapping(selector.get("matchLabels")))
    expressions = selector.get("matchExpressions")
    for requirement in expressions if isinstance(expressions, list) else ():
        if isinstance(requirement, Mapping) and requirement.get("operator") == "In":
            key, values = requirement.get("key"), requirement.get("values")
            if isinstance(key, str) and isinstance(values, list) and len(values) == 1:
                pairs[key] = values[0]
    return pairs


def _controller(metadata: Mapping[str, Any]) -> OwnerReference | None:
    references = metadata.get("ownerReferences")
    if references is None:
        return None
    if not isinstance(references, list):
        raise _UnclearError
    for reference in references:
        if isinstance(reference, Mapping) and reference.get("controller") is True:
            return OwnerReference.model_validate(reference)
    return None
