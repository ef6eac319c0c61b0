"""The ValidatingWebhookConfiguration `tiergate`, rendered from the rule config.

A user's own rules reach the cluster without hand-edited YAML: the resources come
from the one table of judged kinds, the namespaceSelector from the exempt namespaces,
and the matchConditions from the rules' globs and labels (tiergate.component_cel).
"""

import hashlib
import json
from base64 import b64encode
from collections.abc import Iterable
from typing import Any

from tiergate.cel import any_of, field, literal, names_regex
from tiergate.component_cel import prefilter
from tiergate.config import TiergateConfig
from tiergate.kinds import JUDGED_KINDS, SCALABLE_KINDS, JudgedKind, KindRole

WEBHOOK_CONFIGURATION = "tiergate"
RULES_HASH_ANNOTATION = "tiergate.io/rules-hash"
SERVICE_NAME = "tiergate-webhook"
SERVICE_PORT = 443
SERVICE_PATH = "/validate"
DEFAULT_OWN_NAMESPACE = "tiergate-system"
# Valid base64 that says what it is when decoded; the `static` overlay replaces it and
# cert-manager injects the real bundle.
PLACEHOLDER_CA_BUNDLE = b64encode(b"tiergate: replace with the webhook's CA bundle\n").decode()
# The API server gives a webhook 10 s by default; a namespace lookup takes at most 3 s.
TIMEOUT_SECONDS = 5
COMPONENTS_WEBHOOK = "components.tiergate.io"
NAMESPACES_WEBHOOK = "namespaces.tiergate.io"
LABELS = {"app.kubernetes.io/name": "tiergate", "app.kubernetes.io/part-of": "tiergate"}


def rules_hash(config: TiergateConfig) -> str:
    """sha256 (hex) of the canonical rule config: every field, defaults included, as
    sorted compact JSON, so the same rules hash the same however the file spells them."""
    document = config.model_dump(mode="json", by_alias=True)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def metadata(name: str, *, config: TiergateConfig, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "labels": {**LABELS, "app.kubernetes.io/component": component},
        "annotations": {RULES_HASH_ANNOTATION: rules_hash(config)},
    }


def namespace_selector(config: TiergateConfig, *, own_namespace: str) -> dict[str, Any]:
    """Every namespace but the exempt ones and tiergate's own."""
    exempt = sorted(config.exempt_namespace_set(own_namespace=own_namespace))
    return {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": exempt}
        ]
    }


def resource_rules(
    kinds: Iterable[JudgedKind], *, operations: list[str], subresources: Iterable[JudgedKind] = ()
) -> list[dict[str, Any]]:
    """One rule per API group and version, its resources in the table's order."""
    scaled = {k.kind for k in subresources}
    grouped: dict[tuple[str, str, bool], list[str]] = {}
    for kind in kinds:
        resources = grouped.setdefault((kind.group, kind.version, kind.namespaced), [])
        resources.append(kind.plural)
        if kind.kind in scaled:
            resources.append(f"{kind.plural}/scale")
    return [
        {
            "apiGroups": [group],
            "apiVersions": [version],
            "resources": resources,
            "operations": operations,
            "scope": "Namespaced" if namespaced else "Cluster",
        }
        for (group, version, namespaced), resources in grouped.items()
    ]


def _scale_condition(config: TiergateConfig) -> str:
    """A `*/scale` review carries only a Scale, which the core judges by `request.name`
    alone: only a name the globs match (or none) can be a component."""
    sub_guard, sub = field("request", "subResource", last="string")
    name_guard, name = field("request", "name", last="string")
    names = [g for rule in config.rules for g in rule.component.names]
    if not names:
        return "false"
    matched = f"{name}.matches({literal(names_regex(names))})"
    return f"{sub_guard} && {sub} == {literal('scale')} && (!({name_guard}) || {matched})"


def candidates_condition(config: TiergateConfig) -> str:
    """The components webhook's matchCondition: the new or the old object may be a
    component, or the review scales a workload whose name may be one."""
    terms = [
        prefilter("object", rules=config.rules),
        prefilter("oldObject", rules=config.rules),
        _scale_condition(config),
    ]
    return any_of(t for t in terms if t != "false")


def _label_state(obj: str, *, key: str) -> tuple[str, str]:
    guard, labels = field(obj, "metadata", "labels", last="map")
    # A label value is always a string; one that is not reads as absent, never an error.
    present = f"({guard} && {literal(key)} in {labels} && type({labels}[{literal(key)}]) == string)"
    return present, f"{labels}[{literal(key)}]"


def relabel_condition(keys: Iterable[str]) -> str:
    """The namespaces webhook's matchCondition: a label some rule's selector reads was
    added, removed or changed (only then can a namespace stop allowing a component)."""
    terms = []
    for key in sorted(keys):
        old_has, old = _label_state("oldObject", key=key)
        new_has, new = _label_state("object", key=key)
        terms.append(f"{old_has} != {new_has} || {old_has} && {new_has} && {old} != {new}")
    return any_of(terms)


def _webhook(
    name: str, *, config: TiergateConfig, own_namespace: str, failure_policy: str
) -> dict[str, Any]:
    return {
        "name": name,
        "admissionReviewVersions": ["v1"],
        "sideEffects": "None",
        "timeoutSeconds": TIMEOUT_SECONDS,
        "failurePolicy": failure_policy,
        "matchPolicy": "Equivalent",
        "namespaceSelector": namespace_selector(config, own_namespace=own_namespace),
        "objectSelector": {},
        "clientConfig": {
            "service": {
                "name": SERVICE_NAME,
                "namespace": own_namespace,
                "port": SERVICE_PORT,
                "path": SERVICE_PATH,
            },
            "caBundle": PLACEHOLDER_CA_BUNDLE,
        },
    }


def webhook_configuration(
    config: TiergateConfig, *, own_namespace: str = DEFAULT_OWN_NAMESPACE
) -> dict[str, Any]:
    """The ValidatingWebhookConfiguration for these rules (see README, "Generated
    admission configuration"): components fail closed, namespace relabels fail open."""
    judged = [k for k in JUDGED_KINDS if k.role != KindRole.NAMESPACE]
    components = _webhook(
        COMPONENTS_WEBHOOK, config=config, own_namespace=own_namespace, failure_policy="Fail"
    )
    components["rules"] = resource_rules(
        judged, operations=["CREATE", "UPDATE"], subresources=SCALABLE_KINDS
    )
    components["matchConditions"] = [
        {"name": "tiergate-candidates", "expression": candidates_condition(config)}
    ]
    webhooks = [components]
    keys = config.namespace_label_keys
    if keys:  # with no label read, no relabel can ever warn
        namespaces = _webhook(
            NAMESPACES_WEBHOOK, config=config, own_namespace=own_namespace, failure_policy="Ignore"
        )
        namespaces["rules"] = resource_rules(
            [k for k in JUDGED_KINDS if k.role == KindRole.NAMESPACE], operations=["UPDATE"]
        )
        namespaces["matchConditions"] = [
            {"name": "tiergate-relabels", "expression": relabel_condition(keys)}
        ]
        webhooks.append(namespaces)
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": metadata(WEBHOOK_CONFIGURATION, config=config, component="webhook"),
        "webhooks": webhooks,
    }
