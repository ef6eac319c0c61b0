"""The real kubectl against the fake API server: discovery, get, apply, label, scale, delete."""

import json
from pathlib import Path

from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "examples" / "cluster-snapshot.yaml"

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}
        - {name: sidecar, image: "busybox:1.36"}
"""


def _namespace(name: str, **labels: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def test_kubectl_lists_the_namespaces_of_a_seeded_snapshot(fake_api: FakeApiServer) -> None:
    fake_api.enable_monitors()
    fake_api.seed_file(SNAPSHOT)
    result = kubectl(fake_api, "get", "ns", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert "namespace/kube-system" in result.stdout.split()
    assert "namespace/customer-3c44d0b1" in result.stdout.split()


def test_kubectl_gets_deployments_of_all_namespaces_as_json(fake_api: FakeApiServer) -> None:
    fake_api.enable_monitors()
    fake_api.seed_file(SNAPSHOT)
    result = kubectl(fake_api, "get", "deploy", "-A", "-o", "json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)["items"]
    assert {item["kind"] for item in listed} == {"Deployment"}
    assert ("kube-system", "coredns") in {
        (item["metadata"]["namespace"], item["metadata"]["name"]) for item in listed
    }
    assert fake_api.faults.requests_for(verb="list", resource="deployments")[0].namespace is None


def test_kubectl_apply_creates_objects_then_patches_what_changed(fake_api: FakeApiServer) -> None:
    manifest = fake_api.directory / "app.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    created = kubectl(fake_api, "apply", "--validate=false", "-f", str(manifest))
    assert created.returncode == 0, created.stderr
    assert created.stdout.split("\n")[:2] == [
        "namespace/demo created",
        "deployment.apps/web created",
    ]

    manifest.write_text(MANIFEST.replace("nginx:1.27", "nginx:1.28"), encoding="utf-8")
    patched = kubectl(fake_api, "apply", "--validate=false", "-f", str(manifest))
    assert patched.returncode == 0, patched.stderr
    assert "deployment.apps/web configured" in patched.stdout
    containers = fake_api.get("deployments", name="web", namespace="demo", group="apps")["spec"][
        "template"
    ]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("web", "nginx:1.28"),
        ("sidecar", "busybox:1.36"),
    ]
    patches = fake_api.faults.requests_for(verb="patch", resource="deployments")
    assert [p.headers["Content-Type"] for p in patches] == [
        "application/strategic-merge-patch+json"
    ]


def test_kubectl_labels_a_namespace_with_a_merge_patch(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("customer-a", tier="enterprise"))
    result = kubectl(fake_api, "label", "ns", "customer-a", "monitoring.dedicated=true")
    assert result.returncode == 0, result.stderr
    assert fake_api.get("namespaces", name="customer-a")["metadata"]["labels"] == {
        "tier": "enterprise",
        "monitoring.dedicated": "true",
        "kubernetes.io/metadata.name": "customer-a",
    }
    (patch,) = fake_api.faults.requests_for(verb="patch", resource="namespaces")
    assert patch.headers["Content-Type"] == "application/merge-patch+json"


def test_kubectl_scales_a_deployment_through_its_scale_subresource(
    fake_api: FakeApiServer,
) -> None:
    manifest = fake_api.directory / "app.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    assert kubectl(fake_api, "apply", "--validate=false", "-f", str(manifest)).returncode == 0
    result = kubectl(fake_api, "scale", "deploy", "web", "-n", "demo", "--replicas=0")
    assert result.returncode == 0, result.stderr
    assert (
        fake_api.get("deployments", name="web", namespace="demo", group="apps")["spec"]["replicas"]
        == 0
    )
    assert fake_api.faults.requests_for(verb="patch", resource="deployments/scale")


def test_kubectl_deletes_a_deployment_and_the_replica_sets_it_owns(
    fake_api: FakeApiServer,
) -> None:
    fake_api.enable_monitors()
    fake_api.seed_file(SNAPSHOT)
    owner = "abc12345-customer-instance-mosquitto-exporter"
    result = kubectl(fake_api, "delete", "deploy", owner, "-n", "customer-abc12345")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'deployment.apps "{owner}" deleted'
    left = kubectl(fake_api, "get", "rs", "-n", "customer-abc12345", "-o", "name")
    assert owner not in left.stdout
    (delete,) = fake_api.faults.requests_for(verb="delete")
    assert delete.body == {"propagationPolicy": "Background"}


def test_kubectl_reads_a_long_list_in_chunks(fake_api: FakeApiServer) -> None:
    fake_api.seed(*(_namespace(f"customer-{n}") for n in range(5)))
    result = kubectl(fake_api, "get", "ns", "--chunk-size=2", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"namespace/customer-{n}" for n in range(5)]
    pages = fake_api.faults.requests_for(verb="list", resource="namespaces")
    assert [page.query.get("limit") for page in pages] == ["2", "2", "2"]
    assert ["continue" in page.query for page in pages] == [False, True, True]


def test_kubectl_knows_no_service_monitors_until_the_operator_is_installed(
    fake_api: FakeApiServer,
) -> None:
    missing = kubectl(fake_api, "get", "servicemonitors", "-A")
    assert missing.returncode == 1
    assert 'the server doesn\'t have a resource type "servicemonitors"' in missing.stderr
    fake_api.enable_monitors()
    found = kubectl(fake_api, "get", "servicemonitors", "-A")
    assert found.returncode == 0, found.stderr


def test_kubectl_server_side_apply_creates_then_updates(fake_api: FakeApiServer) -> None:
    manifest = fake_api.directory / "app.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    args = ("apply", "--server-side", "--validate=false", "-f", str(manifest))
    assert kubectl(fake_api, *args).returncode == 0
    manifest.write_text(MANIFEST.replace("replicas: 1", "replicas: 2"), encoding="utf-8")
    result = kubectl(fake_api, *args)
    assert result.returncode == 0, result.stderr
    assert "deployment.apps/web serverside-applied" in result.stdout
    assert (
        fake_api.get("deployments", name="web", namespace="demo", group="apps")["spec"]["replicas"]
        == 2
    )
    applied = fake_api.faults.requests_for(verb="patch", resource="deployments")
    assert {r.headers["Content-Type"] for r in applied} == {"application/apply-patch+yaml"}


def test_kubectl_selects_by_label_across_namespaces(fake_api: FakeApiServer) -> None:
    fake_api.enable_monitors()
    fake_api.seed_file(SNAPSHOT)
    selector = "app.kubernetes.io/component=mosquitto-exporter"
    result = kubectl(fake_api, "get", "deploy", "-A", "-l", selector, "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()
    assert all("mosquitto-exporter" in name for name in result.stdout.split())
    (listed,) = fake_api.faults.requests_for(verb="list", resource="deployments")
    assert listed.query["labelSelector"] == selector


def test_kubectl_prints_the_server_side_table_of_namespaces(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("customer-a"))
    result = kubectl(fake_api, "get", "ns")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split() == ["NAME", "STATUS", "AGE"]
    assert row.split()[:2] == ["customer-a", "Active"]
    (listed,) = fake_api.faults.requests_for(verb="list", resource="namespaces")
    assert "as=Table" in listed.headers["Accept"]
