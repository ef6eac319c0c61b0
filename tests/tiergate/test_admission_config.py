"""The rendered ValidatingWebhookConfiguration: every field explicit, and the fields that
keep a cluster safe (timeouts, operations, resources, exempt namespaces) as designed."""

from typing import Any

import pytest
import yaml

from tests.test_architecture import ROOT
from tests.tiergate.test_admission_cel import CONFIGS
from tiergate.admission_config import webhook_configuration
from tiergate.config import default_config
from tiergate.kinds import JUDGED_KINDS, SCALABLE_KINDS, KindRole

CHECKED_IN = ROOT / "manifests/generated/webhook/validating-webhook-configuration.yaml"
# Every field of an admissionregistration.k8s.io/v1 ValidatingWebhook.
WEBHOOK_FIELDS = {
    "name",
    "clientConfig",
    "rules",
    "failurePolicy",
    "matchPolicy",
    "namespaceSelector",
    "objectSelector",
    "sideEffects",
    "timeoutSeconds",
    "admissionReviewVersions",
    "matchConditions",
}
RULE_FIELDS = {"apiGroups", "apiVersions", "resources", "operations", "scope"}


def _checked_in() -> dict[str, Any]:
    (document,) = [d for d in yaml.safe_load_all(CHECKED_IN.read_text(encoding="utf-8")) if d]
    return dict(document)


RENDERINGS = {
    "checked in": (_checked_in(), "tiergate-system", set(default_config().exempt_namespaces)),
    **{
        f"{name}, own namespace elsewhere": (
            webhook_configuration(config, own_namespace="gate"),
            "gate",
            set(config.exempt_namespaces),
        )
        for name, config in CONFIGS.items()
    },
}


def _webhooks(name: str) -> list[dict[str, Any]]:
    return list(RENDERINGS[name][0]["webhooks"])


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_every_webhook_spells_out_every_field_and_the_safe_values(name: str) -> None:
    for hook in _webhooks(name):
        assert set(hook) == WEBHOOK_FIELDS, hook["name"]
        assert hook["admissionReviewVersions"] == ["v1"]
        assert hook["sideEffects"] == "None"
        assert 1 <= hook["timeoutSeconds"] <= 5
        assert hook["failurePolicy"] in {"Fail", "Ignore"}
        assert hook["objectSelector"] == {}
        assert [c["name"] for c in hook["matchConditions"]], "a webhook without a pre-filter"
        for rule in hook["rules"]:
            assert set(rule) == RULE_FIELDS
            assert set(rule["operations"]) <= {"CREATE", "UPDATE"}, "no DELETE, CONNECT or *"


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_no_webhook_is_sent_anything_from_an_exempt_namespace_or_tiergate_s_own(
    name: str,
) -> None:
    _, own, exempt = RENDERINGS[name]
    for hook in _webhooks(name):
        service = hook["clientConfig"]["service"]
        assert service == {"name": "tiergate-webhook", "namespace": own, "port": 443} | {
            "path": "/validate"
        }
        (requirement,) = hook["namespaceSelector"]["matchExpressions"]
        assert requirement["key"] == "kubernetes.io/metadata.name"
        assert requirement["operator"] == "NotIn"
        assert set(requirement["values"]) == exempt | {own}


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_the_components_webhook_gets_every_judged_kind_and_each_scale_and_fails_closed(
    name: str,
) -> None:
    components, *others = _webhooks(name)
    assert components["name"] == "components.tiergate.io"
    assert components["failurePolicy"] == "Fail"
    registered = {
        (group, version, resource, rule["scope"], tuple(rule["operations"]))
        for rule in components["rules"]
        for group in rule["apiGroups"]
        for version in rule["apiVersions"]
        for resource in rule["resources"]
    }
    wanted = {
        (k.group, k.version, k.plural, "Namespaced", ("CREATE", "UPDATE"))
        for k in JUDGED_KINDS
        if k.role != KindRole.NAMESPACE
    } | {
        (k.group, k.version, f"{k.plural}/scale", "Namespaced", ("CREATE", "UPDATE"))
        for k in SCALABLE_KINDS
    }
    assert registered == wanted
    assert [h["name"] for h in others] == ["namespaces.tiergate.io"]
    (namespaces,) = others
    assert namespaces["failurePolicy"] == "Ignore", "a relabel is only ever warned about"
    assert namespaces["rules"] == [
        {
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "resources": ["namespaces"],
            "operations": ["UPDATE"],
            "scope": "Cluster",
        }
    ]
