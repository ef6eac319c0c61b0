"""Writes to the fake API server: updates, the three patch formats, subresources, deletion."""

from typing import Any

from tests.fakeapi import FakeApiServer
from tests.fakeapi.http import call

DEPLOYMENTS = "/apis/apps/v1/namespaces/customer-a/deployments"


def _namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _deployment(name: str, **metadata: Any) -> dict[str, Any]:
    labels = {"app": name}
    containers = [
        {
            "name": "broker",
            "image": "eclipse-mosquitto:2",
            "ports": [{"name": "mqtt", "containerPort": 1883}],
        },
        {"name": "exporter", "image": "sapcc/mosquitto-exporter:0.8.0"},
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "customer-a", "labels": labels, **metadata},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
        },
        "status": {"replicas": 1},
    }


def _seeded(fake_api: FakeApiServer, **metadata: Any) -> dict[str, Any]:
    _, stored = fake_api.seed(_namespace("customer-a"), _deployment("mqtt", **metadata))
    return stored


async def test_an_update_with_a_stale_resource_version_is_a_conflict(
    fake_api: FakeApiServer,
) -> None:
    stored = _seeded(fake_api)
    stored["spec"]["replicas"] = 2
    code, updated = await call(fake_api, "PUT", f"{DEPLOYMENTS}/mqtt", body=stored)
    assert (code, updated["metadata"]["generation"]) == (200, 2)
    code, status = await call(fake_api, "PUT", f"{DEPLOYMENTS}/mqtt", body=stored)
    assert (code, status["reason"]) == (409, "Conflict")
    assert status["message"] == (
        'Operation cannot be fulfilled on deployments.apps "mqtt": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


async def test_a_strategic_merge_patch_merges_containers_by_name(fake_api: FakeApiServer) -> None:
    _seeded(fake_api)
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "broker", "image": "eclipse-mosquitto:2.1"},
                        {"name": "exporter", "$patch": "delete"},
                    ],
                    "$setElementOrder/containers": [{"name": "broker"}],
                }
            }
        }
    }
    code, patched = await call(
        fake_api,
        "PATCH",
        f"{DEPLOYMENTS}/mqtt",
        body=patch,
        content_type="application/strategic-merge-patch+json",
    )
    assert code == 200, patched
    (container,) = patched["spec"]["template"]["spec"]["containers"]
    assert container == {
        "name": "broker",
        "image": "eclipse-mosquitto:2.1",
        "ports": [{"name": "mqtt", "containerPort": 1883}],
    }


async def test_a_json_patch_applies_in_order_and_a_failed_test_is_invalid(
    fake_api: FakeApiServer,
) -> None:
    _seeded(fake_api)
    operations = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 0},
        {"op": "add", "path": "/metadata/labels/tier", "value": "starter"},
    ]
    path, kind = f"{DEPLOYMENTS}/mqtt", "application/json-patch+json"
    code, patched = await call(fake_api, "PATCH", path, body=operations, content_type=kind)
    assert (code, patched["spec"]["replicas"]) == (200, 0)
    assert patched["metadata"]["labels"] == {"app": "mqtt", "tier": "starter"}
    code, status = await call(fake_api, "PATCH", path, body=operations, content_type=kind)
    assert (code, status["reason"]) == (422, "Invalid")


async def test_generate_name_gives_a_unique_name(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("customer-a"))
    body = _deployment("ignored")
    body["metadata"] = {"generateName": "mqtt-"}
    code, created = await call(fake_api, "POST", DEPLOYMENTS, body=body)
    assert code == 201
    assert created["metadata"]["name"].startswith("mqtt-")
    assert len(created["metadata"]["name"]) == len("mqtt-") + 5
    assert "status" not in created


async def test_a_create_of_an_existing_name_already_exists(fake_api: FakeApiServer) -> None:
    _seeded(fake_api)
    code, status = await call(fake_api, "POST", DEPLOYMENTS, body=_deployment("mqtt"))
    assert (code, status["reason"], status["message"]) == (
        409,
        "AlreadyExists",
        'deployments.apps "mqtt" already exists',
    )


async def test_scale_reads_and_writes_the_replicas_of_a_deployment(
    fake_api: FakeApiServer,
) -> None:
    _seeded(fake_api)
    code, scale = await call(fake_api, "GET", f"{DEPLOYMENTS}/mqtt/scale")
    assert code == 200
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"] == {"replicas": 1}
    assert scale["status"] == {"replicas": 1, "selector": "app=mqtt"}
    scale["spec"]["replicas"] = 0
    code, scaled = await call(fake_api, "PUT", f"{DEPLOYMENTS}/mqtt/scale", body=scale)
    assert (code, scaled["spec"]["replicas"]) == (200, 0)
    code, status = await call(fake_api, "PUT", f"{DEPLOYMENTS}/mqtt/scale", body=scale)
    assert (code, status["reason"]) == (409, "Conflict")
    daemonsets = "/apis/apps/v1/namespaces/customer-a/daemonsets/x/scale"
    assert (await call(fake_api, "GET", daemonsets))[0] == 404


async def test_status_is_written_only_through_its_subresource(fake_api: FakeApiServer) -> None:
    stored = _seeded(fake_api)
    stored["status"] = {"replicas": 7}
    code, updated = await call(fake_api, "PUT", f"{DEPLOYMENTS}/mqtt", body=stored)
    assert (code, updated["status"]) == (200, {"replicas": 1})
    code, updated = await call(
        fake_api, "PUT", f"{DEPLOYMENTS}/mqtt/status", body=updated | {"status": {"replicas": 7}}
    )
    assert (code, updated["status"]) == (200, {"replicas": 7})


async def test_dry_run_writes_change_nothing(fake_api: FakeApiServer) -> None:
    _seeded(fake_api)
    before = fake_api.store.resource_version
    path = f"{DEPLOYMENTS}/mqtt?dryRun=All"
    code, patched = await call(
        fake_api,
        "PATCH",
        path,
        body={"spec": {"replicas": 0}},
        content_type="application/merge-patch+json",
    )
    assert (code, patched["spec"]["replicas"]) == (200, 0)
    code, _ = await call(fake_api, "DELETE", path, body={"propagationPolicy": "Background"})
    assert code == 200
    assert fake_api.store.resource_version == before
    assert (
        fake_api.get("deployments", name="mqtt", namespace="customer-a", group="apps")["spec"][
            "replicas"
        ]
        == 1
    )
    assert [r.dry_run for r in fake_api.requests] == [True, True]


async def test_a_delete_with_the_wrong_uid_is_a_conflict(fake_api: FakeApiServer) -> None:
    _seeded(fake_api)
    options = {"preconditions": {"uid": "not-the-uid"}, "propagationPolicy": "Background"}
    code, status = await call(fake_api, "DELETE", f"{DEPLOYMENTS}/mqtt", body=options)
    assert (code, status["reason"]) == (409, "Conflict")
    assert "Precondition failed: UID in precondition: not-the-uid" in status["message"]


async def test_finalizers_hold_a_deleted_object_until_they_are_removed(
    fake_api: FakeApiServer,
) -> None:
    _seeded(fake_api, finalizers=["example.com/hold"])
    code, deleting = await call(fake_api, "DELETE", f"{DEPLOYMENTS}/mqtt")
    assert code == 200
    assert deleting["metadata"]["deletionTimestamp"]
    code, _ = await call(
        fake_api,
        "PATCH",
        f"{DEPLOYMENTS}/mqtt",
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    assert code == 200
    assert (await call(fake_api, "GET", f"{DEPLOYMENTS}/mqtt"))[0] == 404


async def test_deleting_a_namespace_deletes_what_is_in_it(fake_api: FakeApiServer) -> None:
    _seeded(fake_api)
    code, _ = await call(fake_api, "DELETE", "/api/v1/namespaces/customer-a")
    assert code == 200
    code, listed = await call(fake_api, "GET", "/apis/apps/v1/deployments")
    assert (code, listed["items"]) == (200, [])


async def test_orphan_propagation_leaves_dependents_without_their_owner(
    fake_api: FakeApiServer,
) -> None:
    owner = _seeded(fake_api)
    reference = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "mqtt",
        "uid": owner["metadata"]["uid"],
        "controller": True,
    }
    replica_set = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "mqtt-1", "namespace": "customer-a", "ownerReferences": [reference]},
    }
    fake_api.seed(replica_set)
    options = {"propagationPolicy": "Orphan"}
    assert (await call(fake_api, "DELETE", f"{DEPLOYMENTS}/mqtt", body=options))[0] == 200
    orphan = fake_api.get("replicasets", name="mqtt-1", namespace="customer-a", group="apps")
    assert orphan["metadata"]["ownerReferences"] == []


async def test_bodies_it_cannot_read_are_refused_clearly(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("customer-a"))
    code, status = await call(
        fake_api, "POST", DEPLOYMENTS, body={}, content_type="application/vnd.kubernetes.protobuf"
    )
    assert (code, status["reason"]) == (415, "UnsupportedMediaType")
    code, status = await call(fake_api, "POST", f"{DEPLOYMENTS}/x", body=_deployment("x"))
    assert (code, status["reason"]) == (405, "MethodNotAllowed")
    code, status = await call(
        fake_api, "GET", "/api/v1/namespaces", headers={"Authorization": "Bearer wrong"}
    )
    assert (code, status["reason"]) == (401, "Unauthorized")
