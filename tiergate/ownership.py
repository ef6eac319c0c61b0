"""Controller ownership: judge a Pod, ReplicaSet or Job through the workload that owns it.

A Deployment's exporter shows up as a Deployment, a ReplicaSet and N Pods; the
report wants one finding for the Deployment, with the cost of all its replicas.
Only the built-in controllers' chains are followed: an owner tiergate does not
know (an operator's custom resource, a Node) is never reported in their place.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tiergate.classification import ComponentMatch
from tiergate.kinds import JUDGED_KINDS, api_group
from tiergate.objects import KubeObject, OwnerReference
from tiergate.quantities import Requests
from tiergate.records import Workload

ObjectKey = tuple[str | None, str, str]

_MAX_OWNER_DEPTH = 3
# A CronJob names its Jobs `<cronjob>-<scheduled time in minutes since the epoch>`.
_SCHEDULED_JOB = re.compile(r"^(?P<cron_job>.+)-\d{8,}$")


def object_key(obj: Workload | KubeObject) -> ObjectKey:
    return (obj.namespace, obj.kind, obj.name)


@dataclass
class Subject:
    """What a finding is about: the outermost owner and the matched objects under it.

    `obj` is None when that owner is not in the input (a snapshot of Pods only);
    the report then names it from the ownerReference. `owner_matches` says
    whether the owner's own template is the component; when it is not, only its
    members still run it (a rollout away from the component, half done), and
    they alone are judged and costed.
    """

    namespace: str | None
    kind: str
    name: str
    obj: Workload | None
    match: ComponentMatch
    members: list[KubeObject] = field(default_factory=list)
    owner_matches: bool = False

    @property
    def basis(self) -> KubeObject:
        """The object whose pod template describes what runs best."""
        if isinstance(self.obj, KubeObject) and self.owner_matches:
            return self.obj
        return next((m for m in self.members if m.kind != "Pod"), self.members[0])

    @property
    def replicas(self) -> int:
        """Pods running or asked for: a suspended CronJob's running Job still counts."""
        wanted = self.obj.desired_pods if self.obj is not None and self.owner_matches else 0
        pods = sum(m.desired_pods for m in self.members if m.kind == "Pod")
        children = sum(
            m.desired_pods for m in self.members if m is not self.obj and m.kind != "Pod"
        )
        return max(wanted, pods, children)

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


def _is_controller_of(ref: OwnerReference, *, kind: str) -> bool:
    """Is `ref` one of the built-in controllers that create objects of `kind`?"""
    created_by = next((k.created_by for k in JUDGED_KINDS if k.kind == kind), frozenset())
    if ref.kind not in created_by:
        return False
    # Hand-written manifests may leave the apiVersion out.
    return not ref.api_version or any(
        k.kind == ref.kind and k.group == api_group(ref.api_version) for k in JUDGED_KINDS
    )


def has_builtin_controller(obj: KubeObject) -> bool:
    """Does `obj` name, as its controller, a built-in controller kind that creates such objects?"""
    ref = obj.controller
    return ref is not None and _is_controller_of(ref, kind=obj.kind)


def grand_owner_key(child: Workload, *, ref: OwnerReference) -> ObjectKey | None:
    """Where the controllers' naming rules say the owner's owner is.

    A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`, and a
    CronJob its Jobs `<cronjob>-<scheduled minute>`.
    """
    if ref.kind == "ReplicaSet":
        pod_hash = child.pod_template_hash
        if pod_hash and ref.name.endswith(f"-{pod_hash}"):
            return (child.namespace, "Deployment", ref.name.removesuffix(f"-{pod_hash}"))
    if ref.kind == "Job":
        scheduled = _SCHEDULED_JOB.match(ref.name)
        if scheduled:
            return (child.namespace, "CronJob", scheduled["cron_job"])
    return None


def owners_wanted_by(workload: Workload) -> set[ObjectKey]:
    """The owners a judgement of `workload` may look up: its controller, and the
    controller's owner by the naming rules (for when the controller is gone)."""
    ref = workload.controller
    if ref is None or not _is_controller_of(ref, kind=workload.kind):
        return set()
    wanted = {(workload.namespace, ref.kind, ref.name)}
    grand_owner = grand_owner_key(workload, ref=ref)
    return wanted if grand_owner is None else wanted | {grand_owner}


def is_rollout_history(obj: KubeObject) -> bool:
    """A Deployment's ReplicaSet at 0 replicas: a past revision kept for rollback.

    What an old revision ran is not what runs now, so it is never drift; the
    Deployment's current template, and any ReplicaSet that still runs pods,
    are judged instead.
    """
    return obj.kind == "ReplicaSet" and obj.desired_pods == 0 and has_builtin_controller(obj)


class OwnerIndex:
    """Finds an object's controller by uid, by name, or by the controllers' naming rules."""

    def __init__(self, workloads: Iterable[Workload]) -> None:
        self._by_uid: dict[str, Workload] = {}
        self._by_key: dict[ObjectKey, Workload] = {}
        for obj in workloads:
            if obj.uid:
                self._by_uid[obj.uid] = obj
            self._by_key[object_key(obj)] = obj

    def _find(self, ref: OwnerReference, *, namespace: str | None) -> Workload | None:
        owner = self._by_uid.get(ref.uid) if ref.uid else None
        return owner or self._by_key.get((namespace, ref.kind, ref.name))

    def _grand_owner(self, child: Workload, *, ref: OwnerReference) -> Workload | None:
        """The owner's owner when the owner itself is not in the input."""
        key = grand_owner_key(child, ref=ref)
        grand_owner = self._by_key.get(key) if key is not None else None
        # A name alone could be a coincidence; a CronJob must run what the child runs.
        if grand_owner is not None and key is not None and key[1] == "CronJob":
            return grand_owner if grand_owner.images == child.images else None
        return grand_owner

    def top(self, obj: Workload) -> tuple[str, str, Workload | None]:
        """(kind, name, object) of the outermost built-in controller of obj."""
        current = obj
        for _ in range(_MAX_OWNER_DEPTH):
            ref = current.controller
            if ref is None or not _is_controller_of(ref, kind=current.kind):
                break
            owner = self._find(ref, namespace=current.namespace)
            if owner is None:
                owner = self._grand_owner(current, ref=ref)
                if owner is None:
                    return ref.kind, ref.name, None
            current = owner
        return current.kind, current.name, current


def group_by_owner(
    matches: Iterable[tuple[KubeObject, ComponentMatch]], *, index: OwnerIndex
) -> list[Subject]:
    """One Subject per outermost owner, in first-seen order."""
    subjects: dict[object, Subject] = {}
    for obj, match in matches:
        kind, name, top = index.top(obj)
        key: object = (obj.namespace, kind, name)
        if top is obj and not obj.metadata.name:
            key = obj.metadata.uid or id(obj)  # generateName alone names no one object
        subject = subjects.get(key)
        if subject is None:
            subject = Subject(obj.namespace, kind, name, top, match)
            subjects[key] = subject
        if top is obj:
            subject.match = match  # the owner's own classification wins
            subject.owner_matches = True
        subject.members.append(obj)
    return list(subjects.values())


def standalone(obj: KubeObject, *, match: ComponentMatch) -> Subject:
    """A subject of its own, as satellites always are."""
    return Subject(obj.namespace, obj.kind, obj.name, obj, match, [obj])
