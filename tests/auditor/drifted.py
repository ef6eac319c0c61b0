"""A drifted cluster for the remediation tests, and what they need to audit and remediate it.

One starter tenant runs the exporter stack (Deployment, ReplicaSet, Pod,
Service, ServiceMonitor) next to its broker; others hold what must survive: a
sidecar broker, an allowed (Enterprise) exporter, one in kube-system, one under
an admin exemption; one starter tenant has only an orphaned Service left.
"""

from typing import Any

from auditor.clock import Clock
from auditor.passes import ClusterSource, run_once
from auditor.remediation.breaker import BreakerLimits
from auditor.remediation.remediator import Leadership, RemediationSettings, Remediator
from tests.builders import (
    BROKER_IMAGE,
    EXPORTER_IMAGE,
    container,
    deployment,
    namespace,
    owned,
    service,
)
from tests.fakeapi import FakeApiServer
from tests.fakeapi.faults import RecordedRequest
from tiergate.config import Exemption, TiergateConfig, default_config
from tiergate.findings import AuditReport
from tiergate.remediation_report import RemediateMode, RemediationSection
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy

OWN = "tiergate-system"
EXPORTER = "s1-mosquitto-exporter"
WRITES = frozenset({"create", "update", "patch", "delete", "deletecollection"})
FAST = RetryPolicy(attempts=2, backoff_seconds=0.01, budget_seconds=5)
HELM = {"app.kubernetes.io/managed-by": "Helm"}


def starter(name: str) -> dict[str, Any]:
    return namespace(name, tier="starter")


def enterprise(name: str) -> dict[str, Any]:
    return namespace(name, tier="enterprise", **{"monitoring.dedicated": "true"})


def monitor(name: str, ns: str, *, kind: str = "ServiceMonitor") -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app": name}}, "endpoints": [{"port": "metrics"}]},
    }


def exporter_stack(ns: str, *, name: str = EXPORTER, helm: bool = False) -> list[dict[str, Any]]:
    """The exporter's Deployment with its ReplicaSet and Pod, Service and ServiceMonitor."""
    exporter = deployment(name, ns, container("exporter", EXPORTER_IMAGE), uid=f"uid-{ns}-{name}")
    exporter["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "MQTT_PASSWORD", "value": "hunter2"}
    ]
    if helm:
        exporter["metadata"]["labels"] = HELM
        exporter["metadata"]["annotations"] = {"meta.helm.sh/release-name": "tenant-s1"}
    replica_set = owned("ReplicaSet", f"{name}-6d8f", exporter)
    replica_set["metadata"]["uid"] = f"uid-{ns}-{name}-rs"
    pod = owned("Pod", f"{name}-6d8f-x", replica_set)
    pod["metadata"]["uid"] = f"uid-{ns}-{name}-pod"
    svc = service(name, ns, {"app": name})
    svc["metadata"]["uid"] = f"uid-{ns}-svc-{name}"
    return [exporter, replica_set, pod, svc, monitor(name, ns)]


def broker(ns: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return deployment("broker", ns, container("mosquitto", BROKER_IMAGE), *extra, uid=f"uid-{ns}-b")


def stateful_set(name: str, ns: str) -> dict[str, Any]:
    """An unrelated StatefulSet: enough of them make the listing take several pages."""
    return {**deployment(name, ns, container("db", "postgres:16")), "kind": "StatefulSet"}


def drifted_cluster() -> list[dict[str, Any]]:
    return [
        *[stateful_set(f"db-{i}", "customer-s1") for i in range(5)],
        namespace(OWN),
        namespace("kube-system"),
        starter("customer-s1"),
        *exporter_stack("customer-s1", helm=True),
        broker("customer-s1"),
        starter("customer-s2"),
        broker("customer-s2", container("exporter", EXPORTER_IMAGE)),  # the sidecar broker
        starter("customer-s3"),
        service("s3-mosquitto-exporter", "customer-s3", {"app": "gone"}),  # orphaned
        enterprise("customer-e1"),
        *exporter_stack("customer-e1", name="e1-mosquitto-exporter"),
        broker("customer-e1"),
        *exporter_stack("kube-system", name="k-mosquitto-exporter"),
        starter("customer-x1"),
        *exporter_stack("customer-x1", name="x1-mosquitto-exporter"),
    ]


# What remediation must leave in place in `drifted_cluster()`: (plural, name, ns, group).
SURVIVORS = (
    ("deployments", "broker", "customer-s1", "apps"),
    ("deployments", "broker", "customer-s2", "apps"),  # the sidecar broker
    ("deployments", "e1-mosquitto-exporter", "customer-e1", "apps"),  # allowed
    ("deployments", "k-mosquitto-exporter", "kube-system", "apps"),  # exempt namespace
    ("deployments", "x1-mosquitto-exporter", "customer-x1", "apps"),  # admin exemption
    ("services", "x1-mosquitto-exporter", "customer-x1", ""),
)
# What apply removes from it, in order: (plural, namespace, name).
REMOVED = [
    ("servicemonitors", "customer-s1", EXPORTER),
    ("services", "customer-s1", EXPORTER),
    ("deployments", "customer-s1", EXPORTER),
    ("services", "customer-s3", "s3-mosquitto-exporter"),
]


def exists(server: FakeApiServer, plural: str, name: str, ns: str, group: str = "") -> bool:
    try:
        server.get(plural, name=name, namespace=ns, group=group)
    except Exception:  # noqa: BLE001 - the store's not-found error
        return False
    return True


def missing_survivors(server: FakeApiServer) -> list[tuple[str, str, str, str]]:
    """What should have survived remediation and did not (empty when all is well)."""
    return [s for s in SURVIVORS if not exists(server, *s)]


def config_with_exemption() -> TiergateConfig:
    rule = default_config().rules[0]
    exemption = Exemption(namespace="customer-x1", reason="migration ticket OPS-1")
    return TiergateConfig(rules=(rule.model_copy(update={"exemptions": (exemption,)}),))


CONFIG_YAML = """
rules:
  - name: mosquitto-exporter
    component:
      images: ["*mosquitto-exporter*"]
      names: ["*mosquitto-exporter"]
      labels: {app.kubernetes.io/component: mosquitto-exporter}
    allowedIn: {matchLabels: {monitoring.dedicated: "true"}}
    expected: {withImages: ["*eclipse-mosquitto*", "*mosquitto:*"]}
    remediation: delete
    fixHint: set mosquitto.metrics.enabled=false in the tenant's Helm values
    exemptions:
      - {namespace: customer-x1, reason: migration ticket OPS-1}
"""


class Leading:
    """A replica that holds the Lease; `before` runs at each confirm (to change the world)."""

    def __init__(self, before: Any = None) -> None:
        self.calls = 0
        self._before = before

    async def confirm(self) -> bool:
        self.calls += 1
        if self._before is not None:
            self._before(self.calls)
        return True


async def connect(server: FakeApiServer, *, clock: Clock) -> KubeApi:
    """A session on `clock`'s monotonic time, the server's Date following `clock`'s wall:
    the API server's time is the test's (a replica's own clock may be skewed from it)."""
    server.date.now = clock.wall
    return await KubeApi.connect(
        retry=FAST, kubeconfig=str(server.kubeconfig), monotonic=clock.monotonic
    )


async def audit_once(api: KubeApi, *, config: TiergateConfig, clock: Clock) -> AuditReport:
    """A cluster pass as the auditor runs it, on a replica with `clock`."""
    source = ClusterSource(api, page_size=50)
    return await run_once(source, config=config, clock=clock, own_namespace=OWN)


def remediation_settings(
    mode: RemediateMode = RemediateMode.APPLY,
    *,
    grace: float = 0,
    cap: int = 10,
    limits: BreakerLimits | None = None,
    chunk_bytes: int = 900_000,
    identity: str = "auditor-0",
) -> RemediationSettings:
    return RemediationSettings(
        mode=mode,
        grace_seconds=grace,
        max_remediations=cap,
        own_namespace=OWN,
        identity=identity,
        limits=limits or BreakerLimits(),
        chunk_bytes=chunk_bytes,
    )


def remediator(
    api: KubeApi,
    *,
    clock: Clock,
    config: TiergateConfig,
    mode: RemediateMode = RemediateMode.APPLY,
    grace: float = 0,
    cap: int = 10,
    leadership: Leadership | None = None,
    limits: BreakerLimits | None = None,
    chunk_bytes: int = 900_000,
    identity: str = "auditor-0",
) -> Remediator:
    settings = remediation_settings(
        mode, grace=grace, cap=cap, limits=limits, chunk_bytes=chunk_bytes, identity=identity
    )
    return Remediator(
        api, config=config, settings=settings, leadership=leadership or Leading(), clock=clock
    )


async def audit_and_remediate(
    api: KubeApi, *, clock: Clock, config: TiergateConfig, **options: Any
) -> RemediationSection:
    """One pass and its remediation round, `options` as `remediator`'s."""
    report = await audit_once(api, config=config, clock=clock)
    return await remediator(api, clock=clock, config=config, **options).after_pass(report)


def writes(server: FakeApiServer) -> list[RecordedRequest]:
    """Every write but the Lease's and the remediation state's own."""
    return [
        r
        for r in server.requests
        if r.verb in WRITES and r.resource not in {"leases", "configmaps"}
    ]


def removals(server: FakeApiServer) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (r.resource, r.namespace, r.name)
        for r in writes(server)
        if r.verb in {"delete", "patch"} and not r.dry_run
    ]
