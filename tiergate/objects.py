"""Typed views of the Kubernetes objects tiergate judges.

The core reads typed fields, never dictionaries: what tiergate reads of an
object (metadata, the pod template, pod counts, selector pairs) as frozen
pydantic models. tiergate.reading builds them from raw objects.
"""

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from tiergate.kinds import KindRole, api_group, judged_kind
from tiergate.quantities import Requests, checked_quantity

# The only annotation tiergate reads; the others are dropped as the object is read,
# so copies of an object that differ in any other annotation still agree.
HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name"


class KubeModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class NullableModel(KubeModel):
    """A model read from a raw object's own mapping, where any field may be null."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # `labels:` with no value (common in `helm template` output) is YAML null.
        # This runs for most models of every object: parsed JSON and YAML are plain dicts
        # (no ABC check), and most have no null field (look before copying). Models whose
        # fields all default to None, and KubeObject (built by tiergate.reading, never
        # with a null), do without it: the call costs more than the look.
        if isinstance(data, dict) and None in data.values():
            return {k: v for k, v in data.items() if v is not None}
        return data


def _null_values_as_empty(value: Any) -> Any:
    # `version:` with no value is a label whose value is the empty string.
    if isinstance(value, dict) and None in value.values():
        return {k: "" if v is None else v for k, v in value.items()}
    return value


StringMap = Annotated[dict[str, str], BeforeValidator(_null_values_as_empty)]


class OwnerReference(NullableModel):
    api_version: str = ""
    kind: str
    name: str
    uid: str = ""
    controller: bool = False


class ObjectMeta(NullableModel):
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


class ResourceRequirements(NullableModel):
    requests: RequestedResources = RequestedResources()


class Container(NullableModel):
    name: str = ""
    image: str = ""
    resources: ResourceRequirements = ResourceRequirements()
    restart_policy: str | None = None


def _sum_requests(containers: tuple[Container, ...]) -> Requests:
    return sum((c.resources.requests.total for c in containers), Requests())


class PodSpec(NullableModel):
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()

    def all_containers(self) -> tuple[Container, ...]:
        return self.init_containers + self.containers

    def long_running_containers(self) -> tuple[Container, ...]:
        """Regular containers and native sidecars (init containers that keep running)."""
        if not self.init_containers:  # most pods: no tuple to build
            return self.containers
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


class TemplateMeta(NullableModel):
    labels: StringMap = Field(default_factory=dict)


class PodTemplate(NullableModel):
    metadata: TemplateMeta = TemplateMeta()
    spec: PodSpec = PodSpec()


class KubeObject(KubeModel):
    """What tiergate reads of an object, computed once when it is parsed.

    `desired_pods` is how many pods the object asks to run now (0: dormant), from
    its spec and status; `spec_pods` is what the spec alone asks for, so copies
    that differ only in status can be told apart from copies that conflict;
    `selector_pairs` are a satellite's equality selector pairs.
    """

    api_version: str
    kind: str
    metadata: ObjectMeta = ObjectMeta()
    pod_template: PodTemplate | None = None
    desired_pods: int = 0
    spec_pods: int = 0
    selector_pairs: dict[str, str] = Field(default_factory=dict)

    @property
    def group(self) -> str:
        return api_group(self.api_version)

    @property
    def name(self) -> str:
        return self.metadata.name or self.metadata.generate_name

    @property
    def role(self) -> KindRole | None:
        entry = judged_kind(self.kind, api_version=self.api_version)
        return None if entry is None else entry.role

    @property
    def is_workload(self) -> bool:
        return self.role == KindRole.WORKLOAD and self.pod_template is not None

    @property
    def is_satellite_kind(self) -> bool:
        return self.role == KindRole.SATELLITE

    @property
    def dormant(self) -> bool:
        return self.is_workload and self.desired_pods == 0

    # What ownership reads of any workload, typed or a record (tiergate.records.Workload).
    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace

    @property
    def uid(self) -> str | None:
        return self.metadata.uid

    @property
    def controller(self) -> OwnerReference | None:
        return self.metadata.controller_reference

    @property
    def pod_template_hash(self) -> str | None:
        return self.metadata.labels.get("pod-template-hash")

    @property
    def running_images(self) -> frozenset[str]:
        """The images of its long-running containers (native sidecars included)."""
        template = self.pod_template if self.is_workload else None
        if template is None:
            return frozenset()
        return frozenset(c.image for c in template.spec.long_running_containers())

    @property
    def images(self) -> frozenset[str]:
        template = self.pod_template
        return (
            frozenset(c.image for c in template.spec.all_containers()) if template else frozenset()
        )
