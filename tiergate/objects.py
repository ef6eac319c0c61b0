"""Typed views of the Kubernetes objects tiergate judges.

Raw JSON from files, the API or an AdmissionReview is validated here once, so
the rest of the core reads typed fields, never dictionaries. Only the kinds
tiergate judges are validated; every other object is skipped, so one odd
custom resource cannot stop an audit.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from tiergate.quantities import Requests, checked_quantity
from tiergate.replicas import desired_pods, pod_template_path
from tiergate.validation import describe_errors

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
NAMESPACE_GROUPS: Mapping[str, str] = {"Namespace": ""}


def api_group(api_version: str) -> str:
    """`apps/v1` -> `apps`; the core group (`v1`) is ``."""
    group, slash, _ = api_version.rpartition("/")
    return group if slash else ""


def is_judged_kind(kind: str, *, api_version: str) -> bool:
    group = api_group(api_version)
    return any(
        groups.get(kind) == group
        for groups in (WORKLOAD_GROUPS, SATELLITE_GROUPS, NAMESPACE_GROUPS)
    )


class KubeModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # `labels:` with no value (common in `helm template` output) is YAML null.
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if v is not None}
        return data


def _null_values_as_empty(value: Any) -> Any:
    # `version:` with no value is a label whose value is the empty string.
    if isinstance(value, Mapping):
        return {k: "" if v is None else v for k, v in value.items()}
    return value


StringMap = Annotated[dict[str, str], BeforeValidator(_null_values_as_empty)]


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
    labels: StringMap = Field(default_factory=dict)
    annotations: StringMap = Field(default_factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()

    @property
    def controller_reference(self) -> OwnerReference | None:
        return next((ref for ref in self.owner_references if ref.controller), None)


Quantity = Annotated[str, BeforeValidator(checked_quantity)]


class RequestedResources(KubeModel):
    """Only cpu and memory make the waste figures; other resources are not read."""

    cpu: Quantity | None = None
    memory: Quantity | None = None

    @property
    def total(self) -> Requests:
        return Requests.of(cpu=self.cpu, memory=self.memory)


class ResourceRequirements(KubeModel):
    requests: RequestedResources = RequestedResources()


class Container(KubeModel):
    name: str = ""
    image: str = ""
    resources: ResourceRequirements = ResourceRequirements()
    restart_policy: str | None = None


def _sum_requests(containers: tuple[Container, ...]) -> Requests:
    return sum((c.resources.requests.total for c in containers), Requests())


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

        With `only`, the steady requests of just those containers (by name): what a
        sidecar component costs inside a pod that also runs something else.
        """
        running = self.long_running_containers()
        if only is not None:
            return _sum_requests(tuple(c for c in running if c.name in only))
        peak_init = Requests()
        for init in self.init_containers:
            if init.restart_policy != "Always":
                peak_init = peak_init.max(init.resources.requests.total)
        return _sum_requests(running).max(peak_init)


class TemplateMeta(KubeModel):
    labels: StringMap = Field(default_factory=dict)


class PodTemplate(KubeModel):
    metadata: TemplateMeta = TemplateMeta()
    spec: PodSpec = PodSpec()


class KubeObject(KubeModel):
    """What tiergate reads of an object, computed once when it is parsed.

    `desired_pods` is how many pods the object asks to run now (0: dormant);
    `selector_pairs` are a satellite's equality selector pairs.
    """

    api_version: str
    kind: str
    metadata: ObjectMeta = ObjectMeta()
    pod_template: PodTemplate | None = None
    desired_pods: int = 0
    selector_pairs: dict[str, str] = Field(default_factory=dict)

    @property
    def group(self) -> str:
        return api_group(self.api_version)

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
    def dormant(self) -> bool:
        return self.is_workload and self.desired_pods == 0


def _walk(document: Mapping[str, Any], *, path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _selector_pairs(kind: str, *, spec: Mapping[str, Any]) -> dict[str, str]:
    """Equality pairs of a Service's selector, or of a monitor's LabelSelector.

    Read leniently: only equality pairs (and single-value `In`) can name the
    component, and a monitor's selector is not validated by its CRD.
    """
    selector = spec.get("selector")
    if not isinstance(selector, Mapping):
        return {}
    if kind == "Service":
        return {str(k): str(v) for k, v in selector.items()}
    labels = selector.get("matchLabels")
    pairs = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}
    expressions = selector.get("matchExpressions")
    for requirement in expressions if isinstance(expressions, list) else ():
        if not isinstance(requirement, Mapping) or requirement.get("operator") != "In":
            continue
        values = requirement.get("values")
        if isinstance(values, list) and len(values) == 1:
            pairs[str(requirement.get("key"))] = str(values[0])
    return pairs


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
    if not isinstance(value, Mapping):
        raise ObjectError(f"the {kind}'s {name!r} is not a mapping")
    return value


def parse_object(document: Mapping[str, Any]) -> KubeObject | None:
    """Validate one raw object into a KubeObject; None for kinds tiergate never judges."""
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        raise ObjectError("the document has no 'kind'")
    if not isinstance(api_version, str) or not api_version:
        raise ObjectError(f"the {kind} has no 'apiVersion'")
    if not is_judged_kind(kind, api_version=api_version):
        return None
    metadata = _section(document, kind=kind, name="metadata")
    spec = _section(document, kind=kind, name="spec")
    status = _section(document, kind=kind, name="status")
    name = metadata.get("name") or metadata.get("generateName")
    if not name:
        raise ObjectError(f"the {kind} has no metadata.name")
    label = f"{kind} {name}"
    template_path = pod_template_path(kind)
    fields: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    try:
        if template_path is not None:
            fields["podTemplate"] = (
                {"metadata": metadata, "spec": spec}
                if kind == "Pod"
                else _walk(document, path=template_path)
            )
            fields["desiredPods"] = desired_pods(kind, spec=spec, status=status)
        if SATELLITE_GROUPS.get(kind) == api_group(api_version):
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
