"""The fast path: decide from the raw object what a judgement needs to keep of it.

Validating every object into typed views costs far more than reading it. The
sieve looks at a raw object's kind, names, labels, images and selector pairs:
a possible component or satellite of any rule, and every Namespace, go through
the typed views (`parse_object`); other workloads that may own a candidate or
run a rule's broker become small records; the rest is counted and dropped.
Whatever the sieve cannot read cleanly goes to the typed view, which names the
problem, so the sieve never drops something the full path would judge.
"""

import fnmatch
import re
from collections import Counter
from collections.abc import Container, Mapping
from typing import Any, Literal

from tiergate.classification import image_matches
from tiergate.config import TiergateConfig
from tiergate.kinds import JUDGED_KINDS, OWNER_KINDS, JudgedKind, KindRole
from tiergate.names import validate_dns_label, validate_dns_subdomain
from tiergate.objects import KubeObject, OwnerReference
from tiergate.ownership import ObjectKey
from tiergate.reading import parse_object
from tiergate.records import WorkloadRecord

Kept = KubeObject | WorkloadRecord
_CACHE_LIMIT = 65_536  # distinct images remembered; a cluster runs far fewer
_EMPTY: dict[str, Any] = {}
_NOTHING = re.compile(r"(?!)")
_BY_COORDINATES: dict[tuple[object, object], JudgedKind] = {
    (k.kind, k.api_version): k for k in JUDGED_KINDS
}


class _UnclearError(Exception):
    """The raw object is not shaped as expected: the typed view will say how."""


def _mapping(value: Any) -> dict[str, Any]:
    # Parsed JSON and YAML are plain dicts; anything else is left to the typed view.
    if type(value) is dict:
        return value
    if value is None:
        return _EMPTY
    raise _UnclearError


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _UnclearError
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _images(pod_spec: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The images of a pod spec in one pass: all of them, and the long-running ones."""
    images: list[str] = []
    running: list[str] = []
    for field in ("initContainers", "containers"):
        containers = pod_spec.get(field)
        if containers is None:
            continue
        if type(containers) is not list:
            raise _UnclearError
        always = field == "containers"
        for container in containers:
            if type(container) is not dict:
                raise _UnclearError
            image = container.get("image", "")
            if type(image) is not str:
                raise _UnclearError
            images.append(image)
            if always or container.get("restartPolicy") == "Always":
                running.append(image)
    return images, running


class Sieve:
    """Sorts raw objects for one configuration; counts the distinct objects it drops.

    `default_namespace` is where an object that names none will be placed
    (`--namespace`), so that copies with and without it count once;
    `remember_drops=False` counts nothing (see `_drop`).
    """

    def __init__(
        self,
        config: TiergateConfig,
        *,
        default_namespace: str | None = None,
        remember_drops: bool = True,
    ) -> None:
        self._rules = config.rules
        names = [g for rule in config.rules for g in rule.component.names]
        self._names = (
            re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in names))
            if names
            else _NOTHING
        )
        self._pairs = tuple(
            (key, value) for rule in config.rules for key, value in rule.component.labels.items()
        )
        # image -> (a component's image under some rule, a broker's under some rule)
        self._images: dict[str, tuple[bool, bool]] = {}
        self._default_namespace = default_namespace
        self._remember_drops = remember_drops
        self._dropped: set[tuple[str, object, object]] = set()

    @property
    def dropped(self) -> int:
        """How many distinct objects were dropped unjudged."""
        return len(self._dropped)

    @property
    def dropped_kinds(self) -> Counter[str]:
        """How many distinct objects of each kind were dropped unjudged."""
        return Counter(kind for kind, _, _ in self._dropped)

    def keep(
        self, document: Mapping[str, Any], *, owners: Container[ObjectKey] | None = None
    ) -> Kept | None:
        """For the audit: the typed view, a record, or None (dropped, or a kind never judged).

        A workload that creates others is recorded as a possible owner only if its
        (namespace, kind, name) is in `owners`, when given: a source that reads the
        created kinds first knows which owners a judgement will look up.
        Raises ObjectError (and UnservedVersionError) exactly as `parse_object` does.
        """
        return self._kept(document, audit=True, owners=owners)

    def candidate(self, document: Mapping[str, Any]) -> KubeObject | None:
        """For admission: the typed view of a Namespace or of a possible component or
        satellite; None for everything else, with nothing recorded or counted.

        Raises ObjectError (and UnservedVersionError) exactly as `parse_object` does.
        """
        kept = self._kept(document, audit=False, owners=None)
        return kept if isinstance(kept, KubeObject) else None

    def _kept(
        self, document: Mapping[str, Any], *, audit: bool, owners: Container[ObjectKey] | None
    ) -> Kept | None:
        try:
            entry = _BY_COORDINATES.get((document.get("kind"), document.get("apiVersion")))
        except TypeError:  # a kind or apiVersion that does not hash: the typed view says why
            entry = None
        if entry is None or entry.role == KindRole.NAMESPACE:
            return parse_object(document)
        try:
            kept = self._sort(document, entry=entry, audit=audit, owners=owners)
        except (_UnclearError, ValueError):
            return parse_object(document)
        return parse_object(document) if kept is True else kept

    def _drop(self, kind: str, *, metadata: dict[str, Any], name: str) -> None:
        """Count a dropped object once, however many copies of it are read.

        Files may repeat an object; a source that reads each object once (the API)
        counts for itself and keeps no set that grows with the cluster.
        """
        if not self._remember_drops:
            return
        # Checked as text: a list here would not hash, and the typed view names it.
        namespace = _optional_text(metadata.get("namespace")) or self._default_namespace
        self._dropped.add((kind, namespace, _optional_text(metadata.get("uid")) or name))

    def _sort(
        self,
        document: Mapping[str, Any],
        *,
        entry: JudgedKind,
        audit: bool,
        owners: Container[ObjectKey] | None,
    ) -> WorkloadRecord | Literal[True] | None:
        """True for a possible component, a record (for the audit), or None to drop."""
        metadata = document.get("metadata")
        if type(metadata) is not dict:
            metadata = _mapping(metadata)
        name = metadata.get("name") or metadata.get("generateName")
        if type(name) is not str or self._names.match(name):
            return True
        if entry.role == KindRole.WORKLOAD:
            return self._sort_workload(
                document, entry=entry, metadata=metadata, name=name, audit=audit, owners=owners
            )
        if self._has_pair(_selector(document, kind=entry.kind)):
            return True
        if audit:
            self._drop(entry.kind, metadata=metadata, name=name)
        return None

    def _sort_workload(
        self,
        document: Mapping[str, Any],
        *,
        entry: JudgedKind,
        metadata: dict[str, Any],
        name: str,
        audit: bool,
        owners: Container[ObjectKey] | None,
    ) -> WorkloadRecord | Literal[True] | None:
        labels = metadata.get("labels")
        if type(labels) is not dict:
            labels = _mapping(labels)
        if labels and self._has_pair(labels):
            return True
        images, running = _images(_pod_spec(document, entry=entry))
        known = self._images
        broker = False
        for image in images:
            flags = known.get(image) or self._classify_image(image)
            if flags[0]:
                return True
            broker = broker or (flags[1] and image in running)
        if not audit:
            return None
        if not metadata.get("name"):
            # Only a generateName: no identity a record could keep (copies of it, and
            # owners of others, are told apart by uid in the typed view).
            return True
        # The audit keeps what may own a candidate, or run the broker, as a record.
        if broker or (
            entry.kind in OWNER_KINDS
            and (
                owners is None
                # Checked as text first: a list here would not hash; the typed view names it.
                or (_optional_text(metadata.get("namespace")), entry.kind, name) in owners
            )
        ):
            return self._record(
                document,
                entry=entry,
                name=name,
                metadata=metadata,
                labels=labels,
                images=(images, running),
            )
        self._drop(entry.kind, metadata=metadata, name=name)
        return None

    def _has_pair(self, labels: Mapping[str, Any]) -> bool:
        if not labels:
            return False
        for found in labels.values():
            # A label the API would refuse: the typed view names it.
            if type(found) is not str and found is not None:
                raise _UnclearError
        for key, value in self._pairs:
            found = labels.get(key, ...)
            if found == value or (found is None and value == ""):
                return True
        return False

    def _classify_image(self, image: str) -> tuple[bool, bool]:
        known = self._images.get(image)
        if known is None:
            known = (
                any(image_matches(r.component.images, image=image) for r in self._rules),
                any(
                    r.expected is not None and image_matches(r.expected.with_images, image=image)
                    for r in self._rules
                ),
            )
            if len(self._images) >= _CACHE_LIMIT:
                self._images.clear()
            self._images[image] = known
        return known

    def _record(
        self,
        document: Mapping[str, Any],
        *,
        entry: JudgedKind,
        name: str,
        metadata: dict[str, Any],
        labels: dict[str, Any],
        images: tuple[list[str], list[str]],
    ) -> WorkloadRecord:
        """A record of a possible owner or broker."""
        count_pods = entry.count_pods
        if count_pods is None:
            raise _UnclearError
        spec, status = _mapping(document.get("spec")), _mapping(document.get("status"))
        pod_hash = labels.get("pod-template-hash", ...)
        namespace = _optional_text(metadata.get("namespace"))
        # What a record keeps must be what the API accepts; the typed view says what is wrong.
        validate_dns_subdomain(name)
        if namespace:
            validate_dns_label(namespace)
        return WorkloadRecord(
            kind=entry.kind,
            name=name,
            namespace=namespace,
            uid=_optional_text(metadata.get("uid")),
            controller=_controller(metadata),
            desired_pods=count_pods(spec, status=status),
            pod_template_hash=None
            if pod_hash is ...
            else ("" if pod_hash is None else _text(pod_hash)),
            images=frozenset(images[0]),
            running_images=frozenset(images[1]),
        )


def _pod_spec(document: Mapping[str, Any], *, entry: JudgedKind) -> dict[str, Any]:
    node: Any = document
    for key in entry.template_path or ():
        node = (node if type(node) is dict else _mapping(node)).get(key)
    if node is None:
        raise _UnclearError  # no pod template: the typed view refuses it
    spec = (node if type(node) is dict else _mapping(node)).get("spec")
    return spec if type(spec) is dict else _mapping(spec)


def _selector(document: Mapping[str, Any], *, kind: str) -> Mapping[str, Any]:
    """Every pair a Service's or monitor's selector could name, as the typed view reads them."""
    selector = _mapping(_mapping(document.get("spec")).get("selector"))
    if kind == "Service":
        return selector
    pairs = dict(_mapping(selector.get("matchLabels")))
    expressions = selector.get("matchExpressions")
    for requirement in expressions if type(expressions) is list else ():
        if type(requirement) is dict and requirement.get("operator") == "In":
            key, values = requirement.get("key"), requirement.get("values")
            if type(key) is str and type(values) is list and len(values) == 1:
                pairs[key] = values[0]
    return pairs


def _controller(metadata: Mapping[str, Any]) -> OwnerReference | None:
    references = metadata.get("ownerReferences")
    if references is None:
        return None
    if type(references) is not list:
        raise _UnclearError
    for reference in references:
        if type(reference) is dict and reference.get("controller") is True:
            return OwnerReference.model_validate(reference)
    return None
