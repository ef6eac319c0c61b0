"""The resource types the fake API server serves, one table for routing and discovery.

Kubectl and the kubernetes client find resources through discovery, so the same
table answers `/api/v1` and `/apis/<group>/<version>` and decides which paths exist.
"""

from dataclasses import dataclass
from typing import Any

READ = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SCALABLE = frozenset({"deployments", "statefulsets", "replicasets", "replicationcontrollers"})


@dataclass(frozen=True)
class Resource:
    """One resource type: where it lives, what kubectl calls it, what it supports."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    status: bool = True
    verbs: tuple[str, ...] = ALL_VERBS
    # Custom resources come back from lists with kind and apiVersion on every item.
    custom: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """The name the API server uses in messages: `deployments.apps`, `pods`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def scalable(self) -> bool:
        return self.plural in SCALABLE

    def discovery_entries(self) -> list[dict[str, Any]]:
        """This resource and its subresources as `APIResourceList` entries."""
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        entries = [entry]
        if self.status:
            entries.append(
                self._subresource("status", kind=self.kind, verbs=("get", "patch", "update"))
            )
        if self.scalable:
            scale = self._subresource("scale", kind="Scale", verbs=("get", "patch", "update"))
            # The scale client reads the Scale's own group and version from here.
            scale |= {"group": "autoscaling", "version": "v1"}
            entries.append(scale)
        return entries

    def _subresource(self, name: str, *, kind: str, verbs: tuple[str, ...]) -> dict[str, Any]:
        return {
            "name": f"{self.plural}/{name}",
            "singularName": "",
            "namespaced": self.namespaced,
            "kind": kind,
            "verbs": list(verbs),
        }


CORE = (
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, short_names=("ns",)),
    Resource("", "v1", "pods", "Pod", short_names=("po",), categories=("all",)),
    Resource("", "v1", "services", "Service", short_names=("svc",), categories=("all",)),
    Resource("", "v1", "replicationcontrollers", "ReplicationController", short_names=("rc",)),
    Resource("", "v1", "configmaps", "ConfigMap", short_names=("cm",), status=False),
    Resource("", "v1", "secrets", "Secret", status=False),
    Resource("", "v1", "events", "Event", short_names=("ev",), status=False),
)
APPS = tuple(
    Resource("apps", "v1", plural, kind, short_names=short, categories=("all",))
    for plural, kind, short in (
        ("deployments", "Deployment", ("deploy",)),
        ("statefulsets", "StatefulSet", ("sts",)),
        ("daemonsets", "DaemonSet", ("ds",)),
        ("replicasets", "ReplicaSet", ("rs",)),
    )
)
BATCH = (
    Resource("batch", "v1", "jobs", "Job", categories=("all",)),
    Resource("batch", "v1", "cronjobs", "CronJob", short_names=("cj",), categories=("all",)),
)
OTHERS = (
    Resource("coordination.k8s.io", "v1", "leases", "Lease", status=False),
    # Kept apart from core v1 Events (the real server converts between the two).
    Resource("events.k8s.io", "v1", "events", "Event", short_names=("ev",), status=False),
    Resource(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        namespaced=False,
        status=False,
    ),
)
MONITORS = (
    Resource(
        "monitoring.coreos.com",
        "v1",
        "servicemonitors",
        "ServiceMonitor",
        status=False,
        custom=True,
        short_names=("smon",),
        categories=("prometheus-operator",),
    ),
    Resource(
        "monitoring.coreos.com",
        "v1",
        "podmonitors",
        "PodMonitor",
        status=False,
        custom=True,
        short_names=("pmon",),
        categories=("prometheus-operator",),
    ),
)
DEFAULT_RESOURCES = CORE + APPS + BATCH + OTHERS


class Catalog:
    """The resources one server serves; the Prometheus Operator's only when enabled."""

    def __init__(self, resources: tuple[Resource, ...] = DEFAULT_RESOURCES) -> None:
        self._resources = list(resources)

    # Tests switch resources on and off while the server reads the list from its own
    # thread: a new list is built and swapped in, never changed in place.
    def add(self, *resources: Resource) -> None:
        self._resources = self._resources + [r for r in resources if r not in self._resources]

    def remove(self, *resources: Resource) -> None:
        self._resources = [r for r in self._resources if r not in resources]

    def find(self, group: str, *, version: str, plural: str) -> Resource | None:
        for resource in self._resources:
            if (resource.group, resource.version, resource.plural) == (group, version, plural):
                return resource
        return None

    def by_kind(self, api_version: str, *, kind: str) -> Resource | None:
        for resource in self._resources:
            if (resource.api_version, resource.kind) == (api_version, kind):
                return resource
        return None

    def group_versions(self) -> dict[str, list[str]]:
        """Groups in the order discovery lists them, each with its versions."""
        groups: dict[str, list[str]] = {}
        for resource in self._resources:
            versions = groups.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)
        return groups

    def in_group_version(self, group: str, *, version: str) -> list[Resource]:
        return [r for r in self._resources if (r.group, r.version) == (group, version)]
