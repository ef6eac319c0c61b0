"""Least privilege: each program may do what it needs and no more. The auditor's reads and
remediation's writes are derived from tiergate/kinds.py, so a kind added there without its
permission fails here."""

from typing import Any

import pytest

from tests.manifests.conftest import Renders
from tests.manifests.rendered import NAMESPACE, VARIANTS, Variant, of_kind, one
from tiergate import replicas
from tiergate.kinds import JUDGED_KINDS, KindRole

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind",
               "impersonate", "approve", "sign"}  # fmt: skip
Grant = tuple[str, str, str, str]  # group, resource, verb, resource name ("" for any)


def _grants(role: dict[str, Any]) -> set[Grant]:
    return {
        (group, resource, verb, name)
        for rule in role.get("rules", [])
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule["verbs"]
        for name in rule.get("resourceNames", [""])
    }


def _bound_to(objects: list[dict[str, Any]], account: str) -> set[Grant]:
    """Everything the ServiceAccount may do through the rendered bindings."""
    grants: set[Grant] = set()
    for kind, role_kind in (("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")):
        for binding in of_kind(objects, kind):
            subjects = binding["subjects"]
            if {"kind": "ServiceAccount", "name": account, "namespace": NAMESPACE} in subjects:
                assert binding["roleRef"]["kind"] == role_kind
                grants |= _grants(one(objects, role_kind, binding["roleRef"]["name"]))
    return grants


READ = {(k.group, k.plural, verb, "") for k in JUDGED_KINDS for verb in ("list", "watch")}
AUDITOR_BASE = READ | {
    ("", "namespaces", "get", ""),
    ("events.k8s.io", "events", "create", ""),
    ("coordination.k8s.io", "leases", "create", ""),
    ("coordination.k8s.io", "leases", "get", "tiergate-auditor"),
    ("coordination.k8s.io", "leases", "update", "tiergate-auditor"),
    *(("", "configmaps", verb, "") for verb in ("get", "create", "update", "delete")),
}
_REMOVABLE = [k for k in JUDGED_KINDS if k.role is not KindRole.NAMESPACE]
# Scaled to zero (replicas) or suspended (a CronJob) by a patch of the object itself.
_SCALABLE = [k for k in JUDGED_KINDS if k.count_pods in {replicas.replicas, replicas.cron_job}]
REMEDIATION = {
    *((k.group, k.plural, verb, "") for k in _REMOVABLE for verb in ("get", "delete")),
    *((k.group, k.plural, "patch", "") for k in _SCALABLE),
}
WEBHOOK = {
    ("", "namespaces", "get", ""),
    ("", "namespaces", "list", ""),
    ("", "namespaces", "watch", ""),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations", "get", "tiergate"),
}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_the_webhook_reads_namespaces_and_its_own_configuration_only(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    if any(d["metadata"]["name"] == "tiergate-webhook" for d in of_kind(objects, "Deployment")):
        assert _bound_to(objects, "tiergate-webhook") == WEBHOOK


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_the_auditor_writes_tenant_objects_only_with_the_remediation_component(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    if variant.overlay == "monitoring":
        assert _bound_to(objects, "tiergate-auditor") == set()
        return
    expected = AUDITOR_BASE
    if "components/remediation" in variant.components:
        expected = AUDITOR_BASE | REMEDIATION
    assert _bound_to(objects, "tiergate-auditor") == expected


def test_the_auditor_s_own_namespace_grants_live_in_a_role_of_that_namespace(
    renders: Renders,
) -> None:
    role = one(renders[Variant("base")], "Role", "tiergate-auditor")
    assert role["metadata"]["namespace"] == NAMESPACE
    assert {resource for _, resource, _, _ in _grants(role)} == {"leases", "configmaps"}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_no_role_grants_a_wildcard_a_secret_or_an_escalation(
    renders: Renders, variant: Variant
) -> None:
    roles = [*of_kind(renders[variant], "ClusterRole"), *of_kind(renders[variant], "Role")]
    offending = {
        (role["metadata"]["name"], grant)
        for role in roles
        for grant in _grants(role)
        if "*" in grant[:3]
        or grant[1] in {"secrets", "roles", "clusterroles", "rolebindings", "clusterrolebindings"}
        or grant[2] in {"escalate", "bind", "impersonate"}
    }
    assert offending == set()


def test_without_the_remediation_component_the_only_writes_are_events_leases_and_state(
    renders: Renders,
) -> None:
    objects = renders[Variant("overlays/static")]
    writes = {
        grant[1]
        for account in ("tiergate-webhook", "tiergate-auditor")
        for grant in _bound_to(objects, account)
        if grant[2] in WRITE_VERBS
    }
    assert writes == {"events", "leases", "configmaps"}


def test_the_remediation_component_turns_remediation_on(renders: Renders) -> None:
    variant = Variant("overlays/static", ("components/remediation",))
    auditor = one(renders[variant], "Deployment", "tiergate-auditor")
    assert "--remediate=apply" in auditor["spec"]["template"]["spec"]["containers"][0]["args"]
