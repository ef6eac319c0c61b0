"""Injected faults and the request log, seen through kubernetes_asyncio, raw HTTP and kubectl."""

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import api_client, kubectl
from tests.fakeapi.http import call
from tests.fakeapi.status import ApiError


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def _config_map(name: str, namespace: str) -> Any:
    """A ConfigMap as a plain dict, which the client sends as it is (hence `Any`)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"k": "v"},
    }


async def test_a_fault_answers_its_count_of_requests_then_the_server_recovers(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("a"))
    fault = fake_api.fail(verb="get", resource="namespaces", status=503, times=2)
    codes = [(await call(fake_api, "GET", "/api/v1/namespaces/a"))[0] for _ in range(3)]
    assert codes == [503, 503, 200]
    assert fault.hits == 2


async def test_a_fault_for_one_namespace_leaves_the_others_alone(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("a"), _namespace("b"), _config_map("c", "a"), _config_map("c", "b"))
    fake_api.fail(verb="get", resource="configmaps", namespace="a", status=500, times=10)
    code_a, status = await call(fake_api, "GET", "/api/v1/namespaces/a/configmaps/c")
    code_b, _ = await call(fake_api, "GET", "/api/v1/namespaces/b/configmaps/c")
    assert (code_a, code_b) == (500, 200)
    assert (status["reason"], status["code"]) == ("InternalError", 500)


async def test_a_dropped_connection_fails_the_client_mid_response(
    fake_api: FakeApiServer,
) -> None:
    fake_api.fail(verb="list", resource="namespaces", drop=True)
    async with api_client(fake_api) as api:
        core = client.CoreV1Api(api)
        with pytest.raises(aiohttp.ClientPayloadError):
            await core.list_namespace()
        assert (await core.list_namespace()).items == []


async def test_a_delay_holds_the_answer_back(fake_api: FakeApiServer) -> None:
    fake_api.fail(verb="list", resource="namespaces", delay=0.3)
    started = time.monotonic()
    code, _ = await call(fake_api, "GET", "/api/v1/namespaces")
    assert code == 200
    assert time.monotonic() - started >= 0.3


async def test_the_request_log_shows_what_a_client_sent(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("a"), _config_map("c", "a"))
    assert fake_api.requests == []
    async with api_client(fake_api) as api:
        await client.CoreV1Api(api).delete_namespaced_config_map(
            "c", "a", dry_run="All", propagation_policy="Background"
        )
    (request,) = fake_api.requests
    assert (request.verb, request.resource, request.namespace, request.name) == (
        "delete",
        "configmaps",
        "a",
        "c",
    )
    assert request.dry_run
    assert request.query["propagationPolicy"] == "Background"
    assert fake_api.get("configmaps", name="c", namespace="a")


async def test_a_client_sees_the_retry_after_of_a_throttled_create(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("a"))
    fake_api.fail(verb="create", resource="configmaps", status=429, retry_after=1)
    async with api_client(fake_api) as api:
        with pytest.raises(ApiException) as raised:
            await client.CoreV1Api(api).create_namespaced_config_map("a", _config_map("c", "a"))
    assert raised.value.status == 429
    assert raised.value.headers is not None
    assert raised.value.headers["Retry-After"] == "1"
    with pytest.raises(ApiError, match="not found"):
        fake_api.get("configmaps", name="c", namespace="a")


def test_kubectl_reports_an_rbac_denial_as_forbidden(fake_api: FakeApiServer) -> None:
    fake_api.fail(verb="list", resource="deployments", status=403, times=10)
    result = kubectl(fake_api, "get", "deploy", "-A")
    assert result.returncode == 1
    assert "Error from server (Forbidden): deployments.apps is forbidden" in result.stderr


def test_kubectl_fails_a_chunked_list_whose_continue_token_expired(fake_api: FakeApiServer) -> None:
    fake_api.seed(*(_namespace(f"customer-{n}") for n in range(5)))
    fake_api.fail(verb="list", resource="namespaces", expire_continue=True)
    result = kubectl(fake_api, "get", "ns", "--chunk-size=2", "-o", "name")
    assert result.returncode == 1
    assert "The provided continue parameter is too old" in result.stderr


async def test_a_delayed_request_whose_client_gives_up_is_counted_as_hung_up(
    fake_api: FakeApiServer,
) -> None:
    slow = fake_api.fail(verb="list", resource="namespaces", delay=3600)
    waiting = asyncio.create_task(call(fake_api, "GET", "/api/v1/namespaces"))
    async with asyncio.timeout(10):  # a bound on the round trip, not an assertion
        while slow.hits == 0:  # noqa: ASYNC110 - the server's log has no event to wait on
            await asyncio.sleep(0.01)
        waiting.cancel()
        while slow.hung_up == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert (slow.hits, slow.hung_up) == (1, 1)
    status, listed = await call(fake_api, "GET", "/api/v1/namespaces")
    assert (status, listed["items"]) == (200, []), "the fault is used up: answered at once"
