"""Controller ownership: judge a Pod or ReplicaSet through the object that owns it.

A Deployment's exporter shows up as a Deployment, a ReplicaSet and N Pods; the
report wants one finding for the Deployment, with the cost of all its replicas.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tiergate.classification import ComponentMatch
from tiergate.objects import KubeObject
from tiergate.quantities import Requests

_MAX_OWNER_DEPTH = 4  # Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, with room

ObjectKey = tuple[str | None, str, str]


def object_key(obj: KubeObject) -> ObjectKey:
    return (obj.metadata.namespace, obj.kind, obj.name)


@dataclass
class Subject:
    """The top of an ownership chain and the matched objects that lead to it.

    `obj` is None when the owner is not in the input (a snapshot of Pods only);
    the report then names the owner from the ownerReference.
    """

    namespace: str | None
    kind: str
    name: str
    obj: KubeObject | None
    match: ComponentMatch
    members: list[KubeObject] = field(default_factory=list)

    @property
    def basis(self) -> KubeObject:
        """The object whose replicas and template describe the subject best."""
        if self.obj is not None:
            return self.obj
        return next((m for m in self.members if m.kind != "Pod"), self.members[0])

    @property
    def replicas(self) -> int:
        if self.obj is None and self.basis.kind == "Pod":
            return sum(m.desired_pods for m in self.members)
        return self.basis.desired_pods

    @property
    def requests(self) -> Requests:
        """The subject's total requests: per-pod requests times the pods it runs."""
        template = self.basis.pod_template
        if template is None:
            return Requests()
        return template.spec.requests(only=self.match.containers).times(self.replicas)

    @property
    def labels(self) -> Mapping[str, str]:
        return self.basis.metadata.labels

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.basis.metadata.annotations


class OwnerIndex:
    """Finds an object's controller by uid (or by name when uids are absent)."""

    def __init__(self, objects: Iterable[KubeObject]) -> None:
        self._by_uid: dict[str, KubeObject] = {}
        self._by_key: dict[ObjectKey, KubeObject] = {}
        for obj in objects:
            if obj.metadata.uid:
                self._by_uid[obj.metadata.uid] = obj
            self._by_key[object_key(obj)] = obj

    def top(self, obj: KubeObject) -> tuple[str, str, KubeObject | None]:
        """(kind, name, object) of the outermost controller that can be followed."""
        current = obj
        for _ in range(_MAX_OWNER_DEPTH):
            ref = current.metadata.controller_reference
            if ref is None:
                break
            owner = self._by_uid.get(ref.uid) if ref.uid else None
            if owner is None:
                owner = self._by_key.get((current.metadata.namespace, ref.kind, ref.name))
            if owner is None:
                return ref.kind, ref.name, None
            current = owner
        return current.kind, current.name, current


def group_by_owner(
    matches: Iterable[tuple[KubeObject, ComponentMatch]], index: OwnerIndex
) -> list[Subject]:
    """One Subject per outermost owner, in first-seen order."""
    subjects: dict[ObjectKey, Subject] = {}
    for obj, match in matches:
        kind, name, top = index.top(obj)
        key = (obj.metadata.namespace, kind, name)
        subject = subjects.get(key)
        if subject is None:
            subject = Subject(obj.metadata.namespace, kind, name, top, match)
            subjects[key] = subject
        if top is obj:
            subject.match = match  # the owner's own classification wins
        subject.members.append(obj)
    return list(subjects.values())
