"""The programs' pods as the brief hardens them: replicas, disruption budget, spread, priority,
probes, resources, a numeric non-root user, nothing writable or privileged."""

from typing import Any

import pytest

from tests.manifests.conftest import Renders
from tests.manifests.rendered import Variant, container, flag, one
from tiergate_edge.arguments import duration

BASE = Variant("base")
PROGRAMS = ("tiergate-webhook", "tiergate-auditor")


def _deployment(renders: Renders, name: str) -> dict[str, Any]:
    return one(renders[BASE], "Deployment", name)


@pytest.mark.parametrize("name", PROGRAMS)
def test_each_program_runs_two_replicas_spread_over_nodes(renders: Renders, name: str) -> None:
    spec = _deployment(renders, name)["spec"]
    term = spec["template"]["spec"]["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ][0]["podAffinityTerm"]
    assert spec["replicas"] == 2
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    assert spec["template"]["metadata"]["labels"].items() >= spec["selector"]["matchLabels"].items()


@pytest.mark.parametrize("name", PROGRAMS)
def test_each_program_runs_as_a_numeric_non_root_user_with_nothing_writable_or_privileged(
    renders: Renders, name: str
) -> None:
    pod = _deployment(renders, name)["spec"]["template"]["spec"]
    context = container(_deployment(renders, name))["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert isinstance(pod["securityContext"]["runAsUser"], int)
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert context["runAsNonRoot"] is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "privileged" not in context
    assert not pod.get("hostNetwork")
    assert not pod.get("hostPID")
    assert not pod.get("hostIPC")


@pytest.mark.parametrize("name", PROGRAMS)
def test_each_program_can_read_the_secrets_it_mounts_as_its_non_root_user(
    renders: Renders, name: str
) -> None:
    # The kubelet writes Secret files as root; without "other" read bits only the
    # fsGroup lets a non-root user read them (kubernetes/kubernetes#81089).
    pod = _deployment(renders, name)["spec"]["template"]["spec"]
    for volume in pod.get("volumes", []):
        mode = volume.get("secret", {}).get("defaultMode", 0o644)
        if "secret" in volume and not mode & 0o004:
            assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
            assert mode & 0o040, f"{volume['name']}: the group cannot read it"


@pytest.mark.parametrize("name", PROGRAMS)
def test_each_program_requests_resources_and_caps_memory(renders: Renders, name: str) -> None:
    resources = container(_deployment(renders, name))["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert "memory" in resources["limits"]


@pytest.mark.parametrize(
    ("name", "variable", "field"),
    [
        ("tiergate-webhook", "POD_NAMESPACE", "metadata.namespace"),
        ("tiergate-auditor", "POD_NAMESPACE", "metadata.namespace"),
        ("tiergate-auditor", "POD_NAME", "metadata.name"),
    ],
)
def test_the_pods_identity_comes_from_the_downward_api(
    renders: Renders, name: str, variable: str, field: str
) -> None:
    env = {e["name"]: e for e in container(_deployment(renders, name))["env"]}
    assert env[variable]["valueFrom"]["fieldRef"]["fieldPath"] == field


def test_the_webhook_probes_readyz_and_healthz_over_https_on_its_serving_port(
    renders: Renders,
) -> None:
    webhook = container(_deployment(renders, "tiergate-webhook"))
    ports = {p["name"]: p["containerPort"] for p in webhook["ports"]}
    assert ports == {"https": int(flag(webhook, "--port") or 0), "metrics": 9090}
    assert flag(webhook, "--metrics-port") == "9090"
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert webhook[probe]["httpGet"] == {"path": path, "port": "https", "scheme": "HTTPS"}


def test_the_auditor_runs_continuously_under_a_lease_and_probes_its_metrics_port(
    renders: Renders,
) -> None:
    auditor = container(_deployment(renders, "tiergate-auditor"))
    assert auditor["command"] == ["auditor"]
    assert "--once" not in auditor["args"]
    assert flag(auditor, "--lease-name") == "tiergate-auditor"
    assert flag(auditor, "--metrics-port") == "9091"
    assert flag(auditor, "--remediate") is None, "remediation is opt-in (components/remediation)"
    assert [p["containerPort"] for p in auditor["ports"]] == [9091]
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert auditor[probe]["httpGet"] == {"path": path, "port": "metrics"}


def test_the_webhook_outlives_its_shutdown_delay_and_outranks_tenant_pods(
    renders: Renders,
) -> None:
    deployment = _deployment(renders, "tiergate-webhook")
    pod = deployment["spec"]["template"]["spec"]
    delay = duration(flag(container(deployment), "--shutdown-delay") or "")
    priority = one(renders[BASE], "PriorityClass", pod["priorityClassName"])
    assert pod["terminationGracePeriodSeconds"] > delay > 0
    assert 0 < priority["value"] < 1_000_000_000  # above tenants, below system-*-critical
    assert priority["globalDefault"] is False
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_a_disruption_budget_keeps_one_webhook_replica_through_a_drain(renders: Renders) -> None:
    budget = one(renders[BASE], "PodDisruptionBudget", "tiergate-webhook")
    selector = _deployment(renders, "tiergate-webhook")["spec"]["selector"]
    assert budget["spec"] == {"minAvailable": 1, "selector": selector}


def test_the_namespace_enforces_the_restricted_pod_security_standard(renders: Renders) -> None:
    labels = one(renders[BASE], "Namespace", "tiergate-system")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
