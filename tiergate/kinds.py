"""The one table of the kinds tiergate judges: API coordinates, role, pod template, pod count.

The programs list, watch, admit and remediate these kinds, and the core judges
them; every module reads this table instead of keeping a list of its own.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tiergate import replicas
from tiergate.replicas import PodCount


class KindRole(StrEnum):
    WORKLOAD = "workload"
    SATELLITE = "satellite"
    NAMESPACE = "namespace"


@dataclass(frozen=True)
class JudgedKind:
    """A kind as the API serves it, and where tiergate reads it.

    `template_path` is where the pod template lives (`()` for a Pod itself);
    `created_by` names the controller kinds whose objects of this kind are
    judged through their owner.
    """

    kind: str
    group: str
    version: str
    plural: str
    role: KindRole
    namespaced: bool = True
    template_path: tuple[str, ...] | None = None
    count_pods: PodCount | None = None
    created_by: frozenset[str] = frozenset()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


_TEMPLATE = ("spec", "template")
JUDGED_KINDS: tuple[JudgedKind, ...] = (
    JudgedKind("Namespace", "", "v1", "namespaces", KindRole.NAMESPACE, namespaced=False),
    JudgedKind(
        "Pod",
        "",
        "v1",
        "pods",
        KindRole.WORKLOAD,
        template_path=(),
        count_pods=replicas.pod,
        created_by=frozenset(
            {"ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"}
        ),
    ),
    JudgedKind(
        "ReplicationController",
        "",
        "v1",
        "replicationcontrollers",
        KindRole.WORKLOAD,
        template_path=_TEMPLATE,
        count_pods=replicas.replicas,
    ),
    JudgedKind(
        "Deployment",
        "apps",
        "v1",
        "deployments",
        KindRole.WORKLOAD,
        template_path=_TEMPLATE,
        count_pods=replicas.replicas,
    ),
    JudgedKind(
        "StatefulSet",
        "apps",
        "v1",
        "statefulsets",
        KindRole.WORKLOAD,
        template_path=_TEMPLATE,
        count_pods=replicas.replicas,
    ),
    JudgedKind(
        "DaemonSet",
        "apps",
        "v1",
        "daemonsets",
        KindRole.WORKLOAD,
        template_path=_TEMPLATE,
        count_pods=replicas.daemon_set,
    ),
    JudgedKind(
        "ReplicaSet",
        "apps",
        "v1",
        "replicasets",
        KindRole.WORKLOAD,
        template_path=_TEMPLATE,
        count_pods=replicas.replicas,
        created_by=frozenset({"Deployment"}),
    ),
    JudgedKind(
        "Job",
        "batch",
        "v1",
        "jobs",
        KindRole.WORKLOAD,
        template_path=_TEMPLATE,
        count_pods=replicas.job,
        created_by=frozenset({"CronJob"}),
    ),
    JudgedKind(
        "CronJob",
        "batch",
        "v1",
        "cronjobs",
        KindRole.WORKLOAD,
        template_path=("spec", "jobTemplate", "spec", "template"),
        count_pods=replicas.cron_job,
    ),
    JudgedKind("Service", "", "v1", "services", KindRole.SATELLITE),
    JudgedKind(
        "ServiceMonitor", "monitoring.coreos.com", "v1", "servicemonitors", KindRole.SATELLITE
    ),
    JudgedKind("PodMonitor", "monitoring.coreos.com", "v1", "podmonitors", KindRole.SATELLITE),
)
_BY_NAME: Mapping[str, JudgedKind] = {k.kind: k for k in JUDGED_KINDS}
# The kinds whose `scale` subresource sets spec.replicas (what a `*/scale` review changes).
SCALABLE_KINDS = tuple(k for k in JUDGED_KINDS if k.count_pods is replicas.replicas)
# The kinds whose objects create others (a Deployment its ReplicaSets, a Job its Pods).
OWNER_KINDS = frozenset(owner for k in JUDGED_KINDS for owner in k.created_by)
# Groups that once served a kind of the table; Kubernetes >= 1.30 serves none of them.
_FORMER_GROUPS: Mapping[str, frozenset[str]] = {
    "Deployment": frozenset({"extensions"}),
    "DaemonSet": frozenset({"extensions"}),
    "ReplicaSet": frozenset({"extensions"}),
}


def api_group(api_version: str) -> str:
    """`apps/v1` -> `apps`; the core group (`v1`) is ``."""
    group, slash, _ = api_version.rpartition("/")
    return group if slash else ""


def judged_kind(kind: str, *, api_version: str) -> JudgedKind | None:
    """The table's entry for exactly this kind and apiVersion, or None."""
    entry = _BY_NAME.get(kind)
    return entry if entry is not None and entry.api_version == api_version else None


def kind_named(kind: str) -> JudgedKind | None:
    """The table's entry for a kind as a report names it (`Deployment`), or None."""
    return _BY_NAME.get(kind)


def is_judged_kind(kind: str, *, api_version: str) -> bool:
    return judged_kind(kind, api_version=api_version) is not None


def unserved_version(kind: str, *, api_version: str) -> JudgedKind | None:
    """The entry whose kind this is under an apiVersion no supported cluster serves.

    `apps/v1beta2` and `extensions/v1beta1` Deployments are the same kind, but the
    API server refuses them; a Knative `serving.knative.dev/v1` Service is another
    kind altogether, so it is not one of these.
    """
    entry = _BY_NAME.get(kind)
    if entry is None or entry.api_version == api_version:
        return None
    group = api_group(api_version)
    return entry if group == entry.group or group in _FORMER_GROUPS.get(kind, ()) else None
