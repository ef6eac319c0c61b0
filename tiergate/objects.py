"""Typed views of the Kubernetes objects tiergate judges.

Raw JSON from files, the API or an AdmissionReview is validated here once, so
the rest of the core reads fields, never dictionaries. Each kind keeps its pod
template at a different path; that knowledge lives only in this module.
"""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from tiergate.quantities import Quantity, Requests
from tiergate.selectors import LabelSelector

WORKLOAD_GROUPS: Mapping[str, str] = {
    "Pod": "",
    "ReplicationController": "",
    "Deployment": "apps",
    "StatefulSet": "apps",
    "DaemonSet": "apps",
    "ReplicaSet": "apps",
    "Job": "batch",
    "CronJob": "batch",
}
SATELLITE_GROUPS: Mapping[str, str] = {
    "Service": "",
    "ServiceMonitor": "monitoring.coreos.com",
    "PodMonitor": "monitoring.coreos.com",
}
_POD_TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "ReplicationController": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})


class KubeModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class OwnerReference(KubeModel):
    api_version: str = ""
    kind: str
    name: str
    uid: str = ""
    controller: bool = False


class ObjectMeta(KubeModel):
    name: str = ""
    generate_name: str = ""
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()
    deletion_timestamp: str | None = None

    @property
    def controller_reference(self) -> OwnerReference | None:
        return next((ref for ref in self.owner_references if ref.controller), None)


class ResourceRequirements(KubeModel):
    requests: dict[str, Quantity] = Field(default_factory=dict)


class Container(KubeModel):
    name: str = ""
    image: str = ""
    resources: ResourceRequirements = ResourceRequirements()
    restart_policy: str | None = None


class PodSpec(KubeModel):
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()

    def all_containers(self) -> tuple[Container, ...]:
        return self.init_containers + self.containers

    def long_running_containers(self) -> tuple[Container, ...]:
        """Regular containers and native sidecars (init containers that keep running)."""
        sidecars = tuple(c for c in self.init_containers if c.restart_policy == "Always")
        return sidecars + self.containers

    def requests(self, *, only: frozenset[str] | None = None) -> Requests:
        """The pod's effective requests, as the scheduler computes them.

        With `only`, the requests of just those containers (by name), which is what
        a sidecar component costs inside a pod that also runs something else.
        """
        if only is not None:
            chosen = (c for c in self.all_containers() if c.name in only)
            return sum((Requests.from_mapping(c.resources.requests) for c in chosen), Requests())
        running = sum(
            (Requests.from_mapping(c.resources.requests) for c in self.long_running_containers()),
            Requests(),
        )
        peak_init = Requests()
        for init in self.init_containers:
            if init.restart_policy != "Always":
                peak_init = peak_init.max(Requests.from_mapping(init.resources.requests))
        return running.max(peak_init)


class TemplateMeta(KubeModel):
    labels: dict[str, str] = Field(default_factory=dict)


class PodTemplate(KubeModel):
    metadata: TemplateMeta = TemplateMeta()
    spec: PodSpec = PodSpec()


class KubeObject(KubeModel):
    """The fields of any object that tiergate reads; everything else is ignored."""

    api_version: str
    kind: str
    metadata: ObjectMeta = ObjectMeta()
    pod_template: PodTemplate | None = None
    spec: dict[str, Any] = Field(default_factory=dict, repr=False)
    status: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def group(self) -> str:
        group, slash, _ = self.api_version.rpartition("/")
        return group if slash else ""

    @property
    def name(self) -> str:
        return self.metadata.name or self.metadata.generate_name

    @property
    def is_workload(self) -> bool:
        return WORKLOAD_GROUPS.get(self.kind) == self.group and self.pod_template is not None

    @property
    def is_satellite_kind(self) -> bool:
        return SATELLITE_GROUPS.get(self.kind) == self.group

    @property
    def desired_pods(self) -> int:
        """Pods this object asks to run now; 0 means dormant (scaled down, suspended, done)."""
        count = _DESIRED_PODS.get(self.kind)
        return 0 if count is None else count(self)

    @property
    def dormant(self) -> bool:
        return self.desired_pods == 0

    def service_selector(self) -> dict[str, str]:
        """A Service's pod selector, or a monitor's Service/Pod selector as plain pairs.

        Only equality pairs count: a monitor's `matchExpressions` with a single-value
        `In` is an equality pair too.
        """
        selector = self.spec.get("selector")
        if not isinstance(selector, Mapping):
            return {}
        if self.kind == "Service":
            return {str(k): str(v) for k, v in selector.items()}
        parsed = LabelSelector.model_validate(selector)
        pairs = dict(parsed.match_labels)
        for requirement in parsed.match_expressions:
            if requirement.operator == "In" and len(requirement.values) == 1:
                pairs[requirement.key] = requirement.values[0]
        return pairs


def _pod_runs(pod: KubeObject) -> int:
    return 0 if pod.status.get("phase") in _FINISHED_POD_PHASES else 1


def _replicas(obj: KubeObject) -> int:
    return _non_negative_int(obj.spec.get("replicas"), default=1, field="spec.replicas")


def _daemon_pods(daemon_set: KubeObject) -> int:
    # Only the controller knows how many nodes match; without status assume it runs.
    return _non_negative_int(
        daemon_set.status.get("desiredNumberScheduled"),
        default=1,
        field="status.desiredNumberScheduled",
    )


def _job_pods(job: KubeObject) -> int:
    finished = any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in job.status.get("conditions") or ()
        if isinstance(c, Mapping)
    )
    if finished or job.spec.get("suspend") is True:
        return 0
    return _non_negative_int(job.spec.get("parallelism"), default=1, field="spec.parallelism")


def _cron_job_pods(cron_job: KubeObject) -> int:
    if cron_job.spec.get("suspend") is True:
        return 0
    parallelism = _walk(cron_job.spec, ("jobTemplate", "spec", "parallelism"))
    return _non_negative_int(parallelism, default=1, field="spec.jobTemplate.spec.parallelism")


_DESIRED_PODS: Mapping[str, Callable[[KubeObject], int]] = {
    "Pod": _pod_runs,
    "Deployment": _replicas,
    "StatefulSet": _replicas,
    "ReplicaSet": _replicas,
    "ReplicationController": _replicas,
    "DaemonSet": _daemon_pods,
    "Job": _job_pods,
    "CronJob": _cron_job_pods,
}


def _non_negative_int(value: Any, *, default: int, field: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field}: expected a non-negative integer, got {value!r}")
    return value


def _walk(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _field_path(kind: str, loc: tuple[int | str, ...]) -> str:
    """The error's location as the object's own field path, e.g. spec.template.spec...."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["podTemplate"]:
        parts = list(_POD_TEMPLATE_PATHS.get(kind, ())) + parts[1:]
    return ".".join(parts)


class ObjectError(ValueError):
    """A document that is not a usable Kubernetes object; the message says why."""


def parse_object(document: Mapping[str, Any]) -> KubeObject:
    """Validate one raw Kubernetes object into a KubeObject, or raise ObjectError."""
    kind = document.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ObjectError("the document has no 'kind'")
    if not isinstance(document.get("apiVersion"), str):
        raise ObjectError(f"the {kind} has no 'apiVersion'")
    for section in ("metadata", "spec", "status"):
        if not isinstance(document.get(section) or {}, Mapping):
            raise ObjectError(f"the {kind}'s {section!r} is not a mapping")
    fields: dict[str, Any] = {
        "apiVersion": document["apiVersion"],
        "kind": kind,
        "metadata": document.get("metadata") or {},
        "spec": document.get("spec") or {},
        "status": document.get("status") or {},
    }
    if kind == "Pod":
        fields["podTemplate"] = {"metadata": fields["metadata"], "spec": fields["spec"]}
    elif kind in _POD_TEMPLATE_PATHS:
        fields["podTemplate"] = _walk(document, _POD_TEMPLATE_PATHS[kind])
    try:
        parsed = KubeObject.model_validate(fields)
        _ = parsed.desired_pods
        if parsed.is_satellite_kind:
            _ = parsed.service_selector()
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(kind, e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise ObjectError(f"{kind} {fields['metadata'].get('name', '')!s}: {problems}") from error
    except ValueError as error:
        raise ObjectError(f"{kind} {fields['metadata'].get('name', '')!s}: {error}") from error
    return parsed
