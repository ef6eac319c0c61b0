"""Typed views of the Kubernetes objects tiergate judges.

Raw JSON from files, the API or an AdmissionReview is validated here once, so
the rest of the core reads typed fields, never dictionaries. Only the kinds
tiergate judges are validated; every other object is skipped, so one odd
custom resource cannot stop an audit.
"""

from collections.abc import Callable, Mapping
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

from tiergate.kinds import KindRole, api_group, is_judged_kind, judged_kind, unserved_version
from tiergate.names import (
    validate_dns_label,
    validate_dns_subdomain,
    validate_label_key,
    validate_label_value,
)
from tiergate.quantities import Requests, checked_quantity
from tiergate.validation import describe_errors

__all__ = ["api_group", "is_judged_kind"]  # re-exported for the readers

# The only annotation tiergate reads; the others are dropped as the object is read,
# so copies of an object that differ in any other annotation still agree.
HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name"


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


def _selector_pairs(kind: str, *, spec: Mapping[str, Any]) -> dict[str, str]:
    """Equality pairs of a Service's selector, or of a monitor's LabelSelector.

    Read leniently: only equality pairs (and single-value `In`) can name the
    component, and a monitor's selector is not validated by its CRD. Pairs whose
    key or value is not a string name nothing and are left out, never turned
    into text (a crafted value can be an alias tree of any size).
    """
    selector = spec.get("selector")
    if not isinstance(selector, Mapping):
        return {}
    if kind == "Service":
        return _string_pairs(selector)
    labels = selector.get("matchLabels")
    pairs = _string_pairs(labels) if isinstance(labels, Mapping) else {}
    expressions = selector.get("matchExpressions")
    for requirement in expressions if isinstance(expressions, list) else ():
        if not isinstance(requirement, Mapping) or requirement.get("operator") != "In":
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
    if not isinstance(value, Mapping):
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
    for key, value in labels.items() if isinstance(labels, Mapping) else ():
        _checked(key, field="metadata.labels", rule=validate_label_key)
        _checked(value, field=f"metadata.labels[{key}]", rule=validate_label_value)
    checked = dict(metadata)
    annotations = metadata.get("annotations")
    if isinstance(annotations, Mapping):
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
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
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
        node = node.get(key) if isinstance(node, Mapping) else None
    if node is None:
        raise ValueError(f"{'.'.join(path)}: a {document['kind']} needs a pod template")
    return node
