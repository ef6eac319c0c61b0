"""End to end: the rendered admission configuration, the real `webhook`, plain `kubectl`.

The fake API server runs validating admission as kube-apiserver does, so every step
here is what a user sees on a cluster: refused exporters with the fix-it message,
allowed Enterprise tenants, grandfathered exporters that may shrink but not grow.
"""

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.builders import EXPORTER_IMAGE, container, deployment, namespace, service
from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl
from tests.fakeapi.server import serve
from tests.webhook.process import WebhookProcess, running_webhook

ROOT = Path(__file__).resolve().parents[2]
RENDERED = ROOT / "manifests" / "generated" / "webhook" / "validating-webhook-configuration.yaml"
STARTER, ENTERPRISE = "customer-s1", "customer-e1"
EXPORTER = "mqtt-mosquitto-exporter"
COMPONENT = {"app.kubernetes.io/component": "mosquitto-exporter"}
FIX_IT = ("monitoring.dedicated", "mosquitto.metrics.enabled=false")
COMPONENTS = "components.tiergate.io"
# What the webhook says about the grandfathered exporter, after "Warning: " or the denial.
GRANDFATHERED = (
    f"mosquitto-exporter: Deployment {EXPORTER} may not run in namespace {STARTER}: "
    "namespace does not meet monitoring.dedicated=true (label absent)"
)


@dataclass
class Cluster:
    api: FakeApiServer
    webhook: WebhookProcess
    configuration: list[dict[str, Any]]

    def run(self, *args: str, stdin: str | None = None) -> Any:
        return kubectl(self.api, *args, stdin=stdin)

    def apply(self, *objects: dict[str, Any]) -> Any:
        manifest = yaml.safe_dump_all(objects)
        return self.run("apply", "--validate=false", "-f", "-", stdin=manifest)

    def exists(self, plural: str, *, name: str, namespace: str, group: str = "") -> bool:
        try:
            self.api.get(plural, name=name, namespace=namespace, group=group)
        except Exception:  # noqa: BLE001 - NotFound is what is being asked about
            return False
        return True

    def judged_in(self, ns: str) -> list[dict[str, Any]]:
        return [
            r.review["request"]
            for r in self.api.reviews
            if r.review["request"].get("namespace") == ns
        ]


def _install(api: FakeApiServer, webhook: WebhookProcess) -> list[dict[str, Any]]:
    """`kubectl apply` the rendered configuration, then patch the test CA in as caBundle."""
    applied = kubectl(api, "apply", "--validate=false", "-f", str(RENDERED))
    assert applied.returncode == 0, applied.stderr
    documents = [d for d in yaml.safe_load_all(RENDERED.read_text(encoding="utf-8")) if d]
    bundle = base64.b64encode(webhook.ca.cert.read_bytes()).decode()
    for document in documents:
        patch = [
            {"op": "add", "path": f"/webhooks/{i}/clientConfig/caBundle", "value": bundle}
            for i, _ in enumerate(document["webhooks"])
        ]
        name = document["metadata"]["name"]
        patched = kubectl(
            api,
            "patch",
            "validatingwebhookconfiguration",
            name,
            "--type=json",
            "-p",
            json.dumps(patch),
        )
        assert patched.returncode == 0, patched.stderr
        for hook in document["webhooks"]:
            target = hook["clientConfig"]["service"]
            api.route_service(
                namespace=target["namespace"],
                name=target["name"],
                port=int(target.get("port") or 443),
                to=webhook.port,
            )
    return documents


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    (tmp_path / "api").mkdir()
    with serve(tmp_path / "api", monitors=True) as api:
        api.seed(
            namespace(STARTER, tier="starter"),
            namespace(ENTERPRISE, **{"monitoring.dedicated": "true"}),
            namespace("kube-system"),
            namespace("tiergate-system"),
        )
        with running_webhook(api.kubeconfig, directory=tmp_path / "webhook") as webhook:
            yield Cluster(api, webhook, _install(api, webhook))


def _exporter_stack(ns: str) -> list[dict[str, Any]]:
    """What the tenant's Helm chart renders with mosquitto.metrics.enabled=true."""
    workload = deployment(EXPORTER, ns, container("exporter", EXPORTER_IMAGE), labels=COMPONENT)
    stateful = deployment(f"{EXPORTER}-ha", ns, container("exporter", EXPORTER_IMAGE))
    stateful |= {"kind": "StatefulSet"}
    stateful["spec"]["serviceName"] = EXPORTER
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": EXPORTER, "namespace": ns},
        "spec": {"selector": {"matchLabels": COMPONENT}, "endpoints": [{"port": "metrics"}]},
    }
    return [
        _bare(workload),
        _bare(stateful),
        _bare(service(EXPORTER, ns, COMPONENT)),
        monitor,
    ]


def _bare(obj: dict[str, Any]) -> dict[str, Any]:
    """A manifest as a user writes it: no uid."""
    obj["metadata"].pop("uid", None)
    return obj


STACK = [
    ("deployments", "apps"),
    ("statefulsets", "apps"),
    ("services", ""),
    ("servicemonitors", "monitoring.coreos.com"),
]


def test_an_exporter_stack_in_a_starter_namespace_is_refused_with_the_fix(cluster: Cluster) -> None:
    for obj, (plural, group) in zip(_exporter_stack(STARTER), STACK, strict=True):
        result = cluster.apply(obj)
        assert result.returncode == 1, (obj["kind"], result.stdout)
        name = obj["metadata"]["name"]
        assert result.stderr.startswith("Error from server (Forbidden): "), result.stderr
        assert (
            f'admission webhook "{COMPONENTS}" denied the request: mosquitto-exporter: '
            f"{obj['kind']} {name} may not run in namespace {STARTER}: "
        ) in result.stderr
        assert all(fix in result.stderr for fix in FIX_IT), result.stderr
        assert not cluster.exists(plural, name=name, namespace=STARTER, group=group)


def test_the_same_stack_in_an_enterprise_namespace_is_created(cluster: Cluster) -> None:
    result = cluster.apply(*_exporter_stack(ENTERPRISE))
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    assert f"deployment.apps/{EXPORTER} created" in result.stdout
    for obj, (plural, group) in zip(_exporter_stack(ENTERPRISE), STACK, strict=True):
        assert cluster.exists(
            plural, name=obj["metadata"]["name"], namespace=ENTERPRISE, group=group
        )


def test_a_plain_deployment_in_a_starter_namespace_is_created(cluster: Cluster) -> None:
    result = cluster.apply(_bare(deployment("web", STARTER, container("web", "nginx:1.27"))))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deployment.apps/web created"
    assert cluster.exists("deployments", name="web", namespace=STARTER, group="apps")
    assert cluster.judged_in(STARTER) == [], "the matchConditions keep it from the webhook"


def test_kube_system_is_never_judged(cluster: Cluster) -> None:
    result = cluster.apply(*_exporter_stack("kube-system"))
    assert result.returncode == 0, result.stderr
    assert cluster.judged_in("kube-system") == []


def test_a_grandfathered_exporter_can_be_annotated_and_scaled_down_but_not_up(
    cluster: Cluster,
) -> None:
    cluster.api.seed(
        deployment(EXPORTER, STARTER, container("exporter", EXPORTER_IMAGE), replicas=2)
    )
    target = ["-n", STARTER, f"deployment/{EXPORTER}"]
    annotated = cluster.run("annotate", *target, "owner=team-s1")
    assert annotated.returncode == 0, annotated.stderr
    assert f"Warning: {GRANDFATHERED}" in annotated.stderr
    assert annotated.stderr.rstrip().endswith("(allowed: this update does not make it worse)")
    assert annotated.stdout.strip() == f"deployment.apps/{EXPORTER} annotated"
    down = cluster.run("scale", *target, "--replicas=1")
    assert down.returncode == 0, down.stderr
    assert f"Warning: {GRANDFATHERED}" in down.stderr
    assert down.stdout.strip() == f"deployment.apps/{EXPORTER} scaled"
    up = cluster.run("scale", *target, "--replicas=3")
    assert up.returncode == 1
    assert f'admission webhook "{COMPONENTS}" denied the request: {GRANDFATHERED}' in up.stderr
    assert up.stderr.rstrip().endswith("(this update raises its desired pods from 1 to 3)")
    stored = cluster.api.get("deployments", name=EXPORTER, namespace=STARTER, group="apps")
    assert stored["spec"]["replicas"] == 1
    assert stored["metadata"]["annotations"]["owner"] == "team-s1"


def test_removing_the_label_from_an_enterprise_namespace_is_allowed_with_a_warning(
    cluster: Cluster,
) -> None:
    result = cluster.run("label", "namespace", ENTERPRISE, "monitoring.dedicated-")
    assert result.returncode == 0, result.stderr
    assert (
        f"Warning: mosquitto-exporter: namespace {ENTERPRISE}: namespace does not meet "
        "monitoring.dedicated=true (label absent), which mosquitto-exporter requires; any "
        "mosquitto-exporter component already there is now drift"
    ) in result.stderr
    assert result.stdout.strip() == f"namespace/{ENTERPRISE} unlabeled"
    stored = cluster.api.get("namespaces", name=ENTERPRISE)
    assert "monitoring.dedicated" not in stored["metadata"]["labels"]


def test_deleting_an_exporter_works(cluster: Cluster) -> None:
    cluster.api.seed(deployment(EXPORTER, STARTER, container("exporter", EXPORTER_IMAGE)))
    result = cluster.run("delete", "-n", STARTER, f"deployment/{EXPORTER}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'deployment.apps "{EXPORTER}" deleted'
    assert cluster.judged_in(STARTER) == [], "DELETE is never sent to the webhook"
    assert not cluster.exists("deployments", name=EXPORTER, namespace=STARTER, group="apps")


def test_with_the_webhook_down_ordinary_workloads_are_created_and_exporters_follow_failure_policy(
    cluster: Cluster,
) -> None:
    cluster.webhook.stop()
    plain = cluster.apply(_bare(deployment("api", STARTER, container("api", "example/api:2"))))
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "deployment.apps/api created"
    assert cluster.judged_in(STARTER) == []
    exporter = cluster.apply(_exporter_stack(STARTER)[0])
    policies = {
        hook.get("failurePolicy", "Fail")
        for doc in cluster.configuration
        for hook in doc["webhooks"]
    }
    if policies == {"Ignore"}:
        assert exporter.returncode == 0, exporter.stderr
    else:
        assert exporter.returncode == 1
        assert (
            f'Internal error occurred: failed calling webhook "{COMPONENTS}": '
            "failed to call webhook: Post "
        ) in exporter.stderr
        assert "connect: connection refused" in exporter.stderr
