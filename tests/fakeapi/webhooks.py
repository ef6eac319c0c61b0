"""ValidatingWebhookConfigurations as kube-apiserver reads them, and which hooks a request meets.

A test of a webhook configuration only means something if the fake matches as the
apiserver does: rules with subresources and scope (`predicates/rules/rules.go`), the
namespaceSelector (`predicates/namespace/matcher.go`), the objectSelector
(`predicates/object/matcher.go`), with the v1 defaults of `admissionregistration/v1`.
"""

from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi.resources import Resource
from tests.fakeapi.store import Obj
from tiergate.selectors import LabelSelector

# Kinds never sent to webhooks (`rules.go` IsExemptAdmissionConfigurationResource).
EXEMPT_KINDS = frozenset(
    {
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
    }
)


@dataclass(frozen=True)
class Attributes:
    """One admission request, as the dispatcher sees it (`admission.Attributes`)."""

    operation: str  # CREATE | UPDATE | DELETE
    resource: Resource
    subresource: str
    namespace: str  # "" when cluster-scoped; a Namespace's own name for a Namespace
    name: str
    obj: Obj | None
    old: Obj | None
    dry_run: bool
    options: Obj | None
    kind: tuple[str, str, str]  # group, version, kind of the object the webhook gets

    @property
    def exempt(self) -> bool:
        return self.kind[0] == "admissionregistration.k8s.io" and self.kind[2] in EXEMPT_KINDS


@dataclass(frozen=True)
class Rule:
    operations: tuple[str, ...]
    api_groups: tuple[str, ...]
    api_versions: tuple[str, ...]
    resources: tuple[str, ...]
    scope: str = "*"

    def matches(self, attributes: Attributes) -> bool:
        resource = attributes.resource
        return (
            _scope_fits(self.scope, attributes=attributes)
            and _exact_or_wildcard(self.operations, attributes.operation)
            and _exact_or_wildcard(self.api_groups, resource.group)
            and _exact_or_wildcard(self.api_versions, resource.version)
            and any(
                _resource_fits(entry, plural=resource.plural, sub=attributes.subresource)
                for entry in self.resources
            )
        )


@dataclass(frozen=True)
class Hook:
    """One webhook of a configuration, its fields defaulted as the v1 API defaults them."""

    name: str
    configuration: str
    rules: tuple[Rule, ...]
    client_config: dict[str, Any]
    failure_policy: str = "Fail"
    side_effects: str | None = None
    timeout_seconds: int = 10
    namespace_selector: LabelSelector = field(default_factory=LabelSelector)
    object_selector: LabelSelector = field(default_factory=LabelSelector)
    match_conditions: tuple[tuple[str, str], ...] = ()  # (name, expression)
    review_versions: tuple[str, ...] = ("v1",)

    def matches_rules(self, attributes: Attributes) -> bool:
        return any(rule.matches(attributes) for rule in self.rules)

    def matches_namespace(
        self, attributes: Attributes, *, namespace_labels: dict[str, str] | None
    ) -> bool:
        """Cluster-scoped objects other than Namespaces always match; a Namespace is
        matched on its own labels (the stored ones when it is deleted)."""
        if attributes.resource.plural == "namespaces" and not attributes.resource.group:
            own = attributes.obj if attributes.operation != "DELETE" else attributes.old
            return self.namespace_selector.matches(_labels(own))
        if not attributes.namespace:
            return True
        return self.namespace_selector.matches(namespace_labels or {})

    def matches_object(self, attributes: Attributes) -> bool:
        """The new or the old object may match; an absent object never does, except
        through the empty selector."""
        if self.object_selector == LabelSelector():
            return True
        return any(
            obj is not None and self.object_selector.matches(_labels(obj))
            for obj in (attributes.obj, attributes.old)
        )


def hooks_of(configuration: Obj) -> list[Hook]:
    """The webhooks of one stored ValidatingWebhookConfiguration."""
    name = configuration["metadata"]["name"]
    return [_hook(entry, configuration=name) for entry in configuration.get("webhooks") or []]


def _hook(entry: dict[str, Any], *, configuration: str) -> Hook:
    rules = tuple(
        Rule(
            operations=tuple(rule.get("operations") or ()),
            api_groups=tuple(rule.get("apiGroups") or ()),
            api_versions=tuple(rule.get("apiVersions") or ()),
            resources=tuple(rule.get("resources") or ()),
            scope=rule.get("scope") or "*",
        )
        for rule in entry.get("rules") or []
    )
    return Hook(
        name=entry["name"],
        configuration=configuration,
        rules=rules,
        client_config=entry.get("clientConfig") or {},
        failure_policy=entry.get("failurePolicy") or "Fail",
        side_effects=entry.get("sideEffects"),
        timeout_seconds=int(entry.get("timeoutSeconds") or 10),
        namespace_selector=LabelSelector.model_validate(entry.get("namespaceSelector") or {}),
        object_selector=LabelSelector.model_validate(entry.get("objectSelector") or {}),
        match_conditions=tuple(
            (condition["name"], condition["expression"])
            for condition in entry.get("matchConditions") or []
        ),
        review_versions=tuple(entry.get("admissionReviewVersions") or ("v1",)),
    )


def _exact_or_wildcard(items: tuple[str, ...], requested: str) -> bool:
    return "*" in items or requested in items


def _resource_fits(entry: str, *, plural: str, sub: str) -> bool:
    """`*` matches resources only; `*/scale` and `deployments/*` reach subresources."""
    resource, _, subresource = entry.partition("/")
    return resource in {"*", plural} and subresource in {"*", sub}


def _scope_fits(scope: str, *, attributes: Attributes) -> bool:
    is_namespace = attributes.resource.plural == "namespaces" and not attributes.resource.group
    if scope == "Namespaced":
        return not is_namespace and bool(attributes.namespace)
    if scope == "Cluster":
        return is_namespace or not attributes.namespace
    return scope == "*"


def _labels(obj: Obj | None) -> dict[str, str]:
    if obj is None:
        return {}
    return dict((obj.get("metadata") or {}).get("labels") or {})
