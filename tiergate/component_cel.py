"""The rules' components as CEL: a wide test for the webhook's matchConditions, a narrow
one for the ValidatingAdmissionPolicy.

The pre-filter may let through more than the core judges (the webhook decides), never
less; the policy may call less a component than the core does, never more, so it never
denies what the webhook allows. The tests hold both to the core's own classify().
"""

from collections.abc import Sequence

from tiergate.cel import (
    any_of,
    field,
    image_exact_expression,
    image_prefilter_regex,
    label_pairs_expression,
    literal,
    names_regex,
)
from tiergate.config import Rule
from tiergate.kinds import JUDGED_KINDS, JudgedKind, KindRole

_CONTAINER_LISTS = ("initContainers", "containers")  # the core's all_containers()
_WORKLOADS = tuple(k for k in JUDGED_KINDS if k.template_path is not None)
_MONITORS = tuple(k for k in JUDGED_KINDS if k.role == KindRole.SATELLITE and k.group)
_SERVICES = tuple(k for k in JUDGED_KINDS if k.role == KindRole.SATELLITE and not k.group)


def _pod_spec_path(kind: JudgedKind) -> tuple[str, ...]:
    return (*(kind.template_path or ()), "spec")


def _pairs(rules: Sequence[Rule]) -> list[tuple[str, str]]:
    return [pair for rule in rules for pair in rule.component.labels.items()]


def _images(obj: str, *, path: tuple[str, ...], test: str) -> list[str]:
    """Terms true when a container at `obj.path` has an image for which `test`
    (CEL over the variable `c`) holds."""
    terms = []
    for containers in _CONTAINER_LISTS:
        guard, access = field(obj, *path, containers, last="list")
        image = "type(c) == map && has(c.image) && type(c.image) == string"
        terms.append(f"{guard} && {access}.exists(c, {image} && {test})")
    return terms


def _named(obj: str) -> tuple[str, str]:
    guard, name = field(obj, "metadata", "name", last="string")
    return guard, name


def prefilter(obj: str, *, rules: Sequence[Rule]) -> str:
    """True for every object (of any judged kind) that is a component or satellite of a
    rule, and for any object without a name; may be true for others."""
    named, name = _named(obj)
    terms = [f"type({obj}) == map && !({named} && {name} != {literal('')})"]
    names = [g for rule in rules for g in rule.component.names]
    if names:
        terms.append(f"{named} && {name}.matches({literal(names_regex(names))})")
    pairs = _pairs(rules)
    label_maps: tuple[tuple[str, ...], ...] = (
        ("metadata", "labels"),
        ("spec", "selector"),
        ("spec", "selector", "matchLabels"),
    )
    for path in label_maps:
        guard, labels = field(obj, *path, last="map")
        terms.append(label_pairs_expression(labels, guard=guard, pairs=pairs))
    if pairs:
        guard, expressions = field(obj, "spec", "selector", "matchExpressions", last="list")
        wanted = " || ".join(
            f"r.key == {literal(k)} && r.values.exists(v, type(v) == string && v == {literal(v)})"
            for k, v in pairs
        )
        requirement = (
            "type(r) == map && has(r.key) && has(r.operator) && has(r.values) "
            "&& type(r.key) == string && type(r.operator) == string && type(r.values) == list "
            f"&& r.operator == {literal('In')}"
        )
        terms.append(f"{guard} && {expressions}.exists(r, {requirement} && ({wanted}))")
    images = [g for rule in rules for g in rule.component.images]
    if images:
        test = f"c.image.matches({literal(image_prefilter_regex(images))})"
        for path in sorted({_pod_spec_path(k) for k in _WORKLOADS}):
            terms += _images(obj, path=path, test=test)
    return any_of(t for t in terms if t != "false")


def _kind_is(kinds: Sequence[JudgedKind]) -> str:
    guard, kind = field("request", "kind", "kind", last="string")
    return f"{guard} && {kind} in [{', '.join(literal(k.kind) for k in kinds)}]"


def _monitor_pair(obj: str, *, key: str, value: str) -> str:
    """The core's pair from a monitor's selector: matchLabels, overridden by the last
    single-value `In` expression on the same key."""
    labels_guard, labels = field(obj, "spec", "selector", "matchLabels", last="map")
    guard, expressions = field(obj, "spec", "selector", "matchExpressions", last="list")
    k, v = literal(key), literal(value)
    single = (
        "type(r) == map && has(r.operator) && type(r.operator) == string "
        '&& r.operator == "In" && has(r.key) '
        "&& type(r.key) == string && has(r.values) && type(r.values) == list "
        "&& size(r.values) == 1 && type(r.values[0]) == string"
    )
    overridden = f"{guard} && {expressions}.exists(r, {single} && r.key == {k})"
    from_labels = (
        f"{labels_guard} && {k} in {labels} && type({labels}[{k}]) == string "
        f"&& {labels}[{k}] == {v} && !({overridden})"
    )
    from_expressions = (
        f"{guard} && {expressions}.exists(r, {single} && r.key == {k} && r.values[0] == {v}) "
        f"&& {expressions}.all(r, !({single} && r.key == {k}) || r.values[0] == {v})"
    )
    return f"({from_labels}) || ({from_expressions})"


def policy_component(rule: Rule, *, obj: str = "object") -> str:
    """True only for an object the core calls the rule's component or satellite (the
    kind read from `request.kind`); false for some that it does (see image_exact)."""
    named, name = _named(obj)
    by_name = (
        f"{named} && {name}.matches({literal(names_regex(rule.component.names))})"
        if rule.component.names
        else "false"
    )
    pairs = list(rule.component.labels.items())
    labels_guard, labels = field(obj, "metadata", "labels", last="map")
    own_labels = label_pairs_expression(labels, guard=labels_guard, pairs=pairs)
    terms = []
    paths = sorted({_pod_spec_path(k) for k in _WORKLOADS})
    for path in paths:
        kinds = [k for k in _WORKLOADS if _pod_spec_path(k) == path]
        images = _images(
            obj, path=path, test=image_exact_expression("c.image", globs=rule.component.images)
        )
        what = any_of(t for t in (by_name, own_labels, *images) if t != "false")
        terms.append(f"{_kind_is(kinds)} && ({what})")
    selector_guard, selector = field(obj, "spec", "selector", last="map")
    service = label_pairs_expression(selector, guard=selector_guard, pairs=pairs)
    terms.append(
        f"{_kind_is(_SERVICES)} && ({any_of(t for t in (by_name, service) if t != 'false')})"
    )
    monitor = [_monitor_pair(obj, key=k, value=v) for k, v in pairs]
    terms.append(
        f"{_kind_is(_MONITORS)} && ({any_of(t for t in (by_name, *monitor) if t != 'false')})"
    )
    return any_of(terms)
