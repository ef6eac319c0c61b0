"""Is this object a rule's component, one of its satellites, or its expected companion?

One answer for the webhook and the auditor alike. What counts is fixed in
DESIGN.md: a workload by image, name or own labels; a satellite by name or by a
selector that contains one of the rule's label pairs.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from tiergate.config import Rule
from tiergate.globs import first_matching_glob, glob_matches
from tiergate.images import parse_image
from tiergate.objects import Container, KubeObject, PodSpec
from tiergate.records import Workload


class Role(StrEnum):
    WORKLOAD = "workload"
    SATELLITE = "satellite"
    NAMESPACE = "namespace"  # a namespace that lacks an expected component


@dataclass(frozen=True, slots=True)
class ComponentMatch:
    """Why an object is a rule's component.

    `sidecar` means the component runs next to other containers in the same pod,
    so removing the workload would remove those too; `containers` names the
    component's own containers (all of them unless it is a sidecar).
    `init_container` says the component is only a run-to-completion init
    container of that pod: it ran before the others started and costs nothing now.
    """

    rule: Rule
    role: Role
    matched_by: str
    sidecar: bool = False
    containers: frozenset[str] | None = None
    init_container: bool = False


@lru_cache(maxsize=4096)  # a cluster runs few distinct images, each in many objects
def image_matches(globs: tuple[str, ...], *, image: str) -> str | None:
    """The first glob that matches the image's repository path (with tag or digest)."""
    reference = parse_image(image)
    return next((g for g in globs if glob_matches(g, text=reference.form_for(g))), None)


def _label_pair(rule: Rule, *, labels: dict[str, str]) -> str | None:
    """The first of the rule's label pairs that labels contain, as `key=value`."""
    key = next((k for k, v in rule.component.labels.items() if labels.get(k) == v), None)
    return None if key is None else f"{key}={rule.component.labels[key]}"


def _matching_containers(rule: Rule, *, containers: tuple[Container, ...]) -> list[Container]:
    return [
        c for c in containers if image_matches(rule.component.images, image=c.image) is not None
    ]


def _classify_workload(obj: KubeObject, *, spec: PodSpec, rule: Rule) -> ComponentMatch | None:
    by_image = _matching_containers(rule, containers=spec.all_containers())
    if by_image:
        running = spec.long_running_containers()
        others = [c for c in running if c not in by_image]
        return ComponentMatch(
            rule=rule,
            role=Role.WORKLOAD,
            matched_by=f"image {by_image[0].image}",
            sidecar=bool(others),
            containers=frozenset(c.name for c in by_image) if others else None,
            init_container=bool(others) and not any(c in running for c in by_image),
        )
    matched_by = _name_or_labels(obj, rule=rule)
    if matched_by is None:
        return None
    return ComponentMatch(rule=rule, role=Role.WORKLOAD, matched_by=matched_by)


def _name_or_labels(obj: KubeObject, *, rule: Rule) -> str | None:
    pattern = first_matching_glob(rule.component.names, text=obj.name)
    if pattern is not None:
        return f"name glob {pattern}"
    pair = _label_pair(rule, labels=obj.metadata.labels)
    return None if pair is None else f"label {pair}"


def _classify_satellite(obj: KubeObject, *, rule: Rule) -> ComponentMatch | None:
    pattern = first_matching_glob(rule.component.names, text=obj.name)
    if pattern is not None:
        return ComponentMatch(rule=rule, role=Role.SATELLITE, matched_by=f"name glob {pattern}")
    selected = _label_pair(rule, labels=obj.selector_pairs)
    if selected is None:
        return None
    return ComponentMatch(rule=rule, role=Role.SATELLITE, matched_by=f"selector has {selected}")


def classify(obj: KubeObject, *, rule: Rule) -> ComponentMatch | None:
    """The object's part in the rule's component, or None if it has none."""
    if obj.is_workload and obj.pod_template is not None:
        return _classify_workload(obj, spec=obj.pod_template.spec, rule=rule)
    if obj.is_satellite_kind:
        return _classify_satellite(obj, rule=rule)
    return None


def runs_expected(workload: Workload, *, rule: Rule) -> bool:
    """Does this workload run what makes the component expected (the broker)?"""
    if rule.expected is None:
        return False
    globs = rule.expected.with_images
    return any(image_matches(globs, image=image) for image in workload.running_images)
