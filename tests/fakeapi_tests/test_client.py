"""kubernetes_asyncio against the fake API server: paging, watching, errors, dry runs."""

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import api_client
from tests.fakeapi.status import ApiError


def _namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _deployment(name: str, namespace: str, **fields: Any) -> Any:
    """A Deployment as a plain dict, which the client sends as it is (hence `Any`)."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, **fields},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
            },
        },
    }


def _status(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body or b"{}")
    return body


async def test_a_paged_namespace_list_returns_every_namespace_once(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(*(_namespace(f"customer-{n}") for n in range(7)))
    names: list[str] = []
    token = None
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        while True:
            page = await core.list_namespace(limit=3, _continue=token or "")
            names += [item.metadata.name for item in page.items]
            token = page.metadata._continue
            if not token:
                break
    assert names == [f"customer-{n}" for n in range(7)]
    assert len(fake_api.faults.requests_for(verb="list", resource="namespaces")) == 3


async def test_later_pages_show_the_list_as_it_was_at_the_first(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(*(_namespace(f"customer-{n}") for n in (1, 2, 4)))
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        first = await core.list_namespace(limit=1)
        fake_api.seed(_namespace("customer-3"))
        fake_api.delete("namespaces", name="customer-4")
        rest = await core.list_namespace(_continue=first.metadata._continue)
    assert [item.metadata.name for item in first.items + rest.items] == [
        "customer-1",
        "customer-2",
        "customer-4",
    ]
    assert rest.metadata.resource_version == first.metadata.resource_version


async def test_list_items_come_without_kind_and_api_version_as_from_the_real_api(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("customer-a"), _deployment("web", "customer-a"))
    async with api_client(fake_api) as api:
        apps = client.AppsV1Api(api)
        # Unparsed, the client returns the HTTP response its annotation does not mention.
        response: Any = await apps.list_deployment_for_all_namespaces(_preload_content=False)
        listed = json.loads(await response.read())
    assert (listed["kind"], listed["apiVersion"]) == ("DeploymentList", "apps/v1")
    assert int(listed["metadata"]["resourceVersion"]) == fake_api.store.resource_version
    (item,) = listed["items"]
    assert "kind" not in item
    assert "apiVersion" not in item


async def test_an_expired_continue_token_gets_410_gone(fake_api: FakeApiServer) -> None:
    fake_api.seed(*(_namespace(f"customer-{n}") for n in range(4)))
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        first = await core.list_namespace(limit=2)
        fake_api.expire_continue_tokens()
        with pytest.raises(ApiException) as raised:
            await core.list_namespace(limit=2, _continue=first.metadata._continue)
    assert raised.value.status == 410
    status = _status(raised.value)
    assert (status["reason"], status["code"]) == ("Expired", 410)
    assert status["message"].startswith("The provided continue parameter is too old")


async def test_a_fault_can_expire_the_tokens_right_before_the_next_page(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(*(_namespace(f"customer-{n}") for n in range(4)))
    fake_api.fail(verb="list", resource="namespaces", expire_continue=True, times=1)
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        first = await core.list_namespace(limit=2)
        with pytest.raises(ApiException) as raised:
            await core.list_namespace(limit=2, _continue=first.metadata._continue)
        restarted = await core.list_namespace(limit=2)
    assert raised.value.status == 410
    assert len(restarted.items) == 2


async def test_a_watch_reports_a_namespace_relabel_as_modified(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("customer-a"), _namespace("customer-b"))
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        listed = await core.list_namespace()
        stream = watch.Watch().stream(
            core.list_namespace,
            resource_version=listed.metadata.resource_version,
            timeout_seconds=5,
        )
        await core.patch_namespace(
            "customer-b", {"metadata": {"labels": {"monitoring.dedicated": "true"}}}
        )
        event = await asyncio.wait_for(anext(stream), timeout=5)
        await stream.close()
    assert event["type"] == "MODIFIED"
    assert event["object"].metadata.name == "customer-b"
    assert event["object"].metadata.labels["monitoring.dedicated"] == "true"


async def test_a_namespace_watch_sees_no_events_of_other_resources(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("customer-a"))
    query = {"watch": "1", "resourceVersion": str(fake_api.store.resource_version)}
    noise = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "noise"}}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake_api.url}/api/v1/namespaces", params=query) as response,
    ):
        fake_api.seed(noise, _namespace("customer-b"))
        first = json.loads(await response.content.readline())
        # Subscribed by now: what follows comes live, not from the history.
        fake_api.seed(noise, _namespace("customer-c"))
        second = json.loads(await response.content.readline())
    assert [e["object"]["metadata"]["name"] for e in (first, second)] == [
        "customer-b",
        "customer-c",
    ]


async def test_a_watch_from_a_compacted_version_fails_with_410(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("customer-a"))
    old = fake_api.store.resource_version
    fake_api.seed(_namespace("customer-b"))
    fake_api.compact()
    async with api_client(fake_api) as api:
        stream = watch.Watch().stream(
            client.CoreV1Api(api).list_namespace, resource_version=str(old), timeout_seconds=5
        )
        with pytest.raises(ApiException) as raised:
            await anext(stream)
    assert raised.value.status == 410
    assert "too old resource version" in str(raised.value.reason)


async def test_429_carries_retry_after_and_the_next_request_succeeds(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("customer-a"))
    fault = fake_api.fail(verb="list", resource="namespaces", status=429, retry_after=3)
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        with pytest.raises(ApiException) as raised:
            await core.list_namespace()
        listed = await core.list_namespace()
    assert raised.value.status == 429
    assert raised.value.headers is not None
    assert raised.value.headers["Retry-After"] == "3"
    assert _status(raised.value)["reason"] == "TooManyRequests"
    assert fault.hits == 1
    assert [item.metadata.name for item in listed.items] == ["customer-a"]


async def test_a_403_fault_reads_like_an_rbac_denial(fake_api: FakeApiServer) -> None:
    fake_api.fail(verb="list", resource="deployments", status=403, times=5)
    async with api_client(fake_api) as api:
        with pytest.raises(ApiException) as raised:
            await client.AppsV1Api(api).list_deployment_for_all_namespaces()
    status = _status(raised.value)
    assert (status["reason"], status["code"]) == ("Forbidden", 403)
    assert status["message"].endswith(
        'cannot list resource "deployments" in API group "apps" at the cluster scope'
    )


async def test_a_dry_run_create_is_answered_but_leaves_the_store_unchanged(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("customer-a"))
    before = fake_api.store.resource_version
    async with api_client(fake_api) as api:
        created = await client.AppsV1Api(api).create_namespaced_deployment(
            "customer-a", _deployment("web", "customer-a"), dry_run="All"
        )
    assert created.metadata.uid
    assert fake_api.store.resource_version == before
    with pytest.raises(ApiError, match="not found"):
        fake_api.get("deployments", name="web", namespace="customer-a", group="apps")
    assert fake_api.requests[-1].dry_run


async def test_a_delete_with_a_stale_resource_version_precondition_is_a_conflict(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("customer-a"), _deployment("web", "customer-a"))
    stored = fake_api.get("deployments", name="web", namespace="customer-a", group="apps")
    async with api_client(fake_api) as api:
        apps = client.AppsV1Api(api)
        await apps.patch_namespaced_deployment("web", "customer-a", {"spec": {"replicas": 2}})
        with pytest.raises(ApiException) as raised:
            await apps.delete_namespaced_deployment(
                "web",
                "customer-a",
                body=client.V1DeleteOptions(
                    preconditions=client.V1Preconditions(
                        uid=stored["metadata"]["uid"],
                        resource_version=stored["metadata"]["resourceVersion"],
                    ),
                    propagation_policy="Background",
                ),
            )
    status = _status(raised.value)
    assert (status["reason"], status["code"]) == ("Conflict", 409)
    assert status["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    assert "Precondition failed: ResourceVersion in precondition" in status["message"]
    assert fake_api.get("deployments", name="web", namespace="customer-a", group="apps")


async def test_creating_in_a_missing_namespace_is_not_found(fake_api: FakeApiServer) -> None:
    async with api_client(fake_api) as api:
        with pytest.raises(ApiException) as raised:
            await client.AppsV1Api(api).create_namespaced_deployment(
                "nowhere", _deployment("web", "nowhere")
            )
    status = _status(raised.value)
    assert (status["code"], status["message"]) == (404, 'namespaces "nowhere" not found')


async def test_a_missing_deployment_is_worded_like_the_api_server(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("customer-a"))
    async with api_client(fake_api) as api:
        with pytest.raises(ApiException) as raised:
            await client.AppsV1Api(api).read_namespaced_deployment("x", "customer-a")
    status = _status(raised.value)
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "x" not found',
        "reason": "NotFound",
        "details": {"name": "x", "group": "apps", "kind": "deployments"},
        "code": 404,
    }


async def test_a_created_namespace_gets_its_name_label_and_a_uid(fake_api: FakeApiServer) -> None:
    async with api_client(fake_api) as api:
        created = await client.CoreV1Api(api).create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name="customer-new"))
        )
    assert created.metadata.labels == {"kubernetes.io/metadata.name": "customer-new"}
    assert created.metadata.uid
    assert created.status.phase == "Active"
    assert fake_api.requests[-1].headers["Authorization"] == "Bearer fake-api-token"
