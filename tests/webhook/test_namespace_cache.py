"""Namespace labels through the fake API server: first sync, GET fallback, relabel, 410, blips."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import pytest

from tests.builders import namespace
from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl
from tests.reviews import STARTER_NS
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy
from webhook.namespace_cache import LiveNamespaces


@pytest.fixture
async def live(fake_api: FakeApiServer) -> AsyncIterator[LiveNamespaces]:
    fake_api.seed(namespace(STARTER_NS, tier="starter"))
    api = await KubeApi.connect(retry=RetryPolicy(), kubeconfig=str(fake_api.kubeconfig))
    async with LiveNamespaces(api, retry_seconds=0.05, watch_seconds=5) as source:
        yield source


async def _until(check: Callable[[], object], *, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")


async def _watching(live: LiveNamespaces) -> "asyncio.Task[None]":
    task = asyncio.create_task(live.run())
    await _until(live.synced)
    return task


async def test_a_namespace_not_seen_yet_is_read_by_get(live: LiveNamespaces) -> None:
    found = await live.lookup(STARTER_NS)
    assert (found.result, found.labels) == (
        "fetched",
        {"kubernetes.io/metadata.name": STARTER_NS, "tier": "starter"},
    )
    assert (await live.lookup("absent")).result == "not_found"
    assert not live.synced()


async def test_the_first_list_syncs_and_later_lookups_are_cached(live: LiveNamespaces) -> None:
    task = await _watching(live)
    found = await live.lookup(STARTER_NS)
    assert found.result == "cached"
    task.cancel()


async def test_a_relabel_takes_effect_within_seconds(
    live: LiveNamespaces, fake_api: FakeApiServer
) -> None:
    task = await _watching(live)
    result = await asyncio.to_thread(
        kubectl, fake_api, "label", "namespace", STARTER_NS, "monitoring.dedicated=true"
    )
    assert result.returncode == 0, result.stderr

    async def labelled() -> bool:
        labels = (await live.lookup(STARTER_NS)).labels or {}
        return labels.get("monitoring.dedicated") == "true"

    for _ in range(100):
        if await labelled():
            break
        await asyncio.sleep(0.05)
    assert await labelled()
    task.cancel()


async def test_a_new_namespace_resolves_at_once(
    live: LiveNamespaces, fake_api: FakeApiServer
) -> None:
    task = await _watching(live)
    # `kubectl create namespace` sends protobuf, which the fake API does not read; -f sends JSON.
    manifest = json.dumps(namespace("customer-n1"))
    result = await asyncio.to_thread(
        kubectl, fake_api, "create", "--validate=false", "-f", "-", stdin=manifest
    )
    assert result.returncode == 0, result.stderr
    assert (await live.lookup("customer-n1")).labels is not None
    task.cancel()


async def test_an_expired_watch_lists_again_and_keeps_following(
    live: LiveNamespaces, fake_api: FakeApiServer
) -> None:
    task = await _watching(live)
    fake_api.compact()
    fake_api.fail(verb="watch", resource="namespaces", status=410, times=1)
    await asyncio.to_thread(
        kubectl, fake_api, "label", "namespace", STARTER_NS, "tier=pro", "--overwrite"
    )

    async def relabelled() -> bool:
        return ((await live.lookup(STARTER_NS)).labels or {}).get("tier") == "pro"

    for _ in range(100):
        if await relabelled():
            break
        await asyncio.sleep(0.05)
    assert await relabelled()
    assert live.synced()
    task.cancel()


async def test_an_api_blip_fails_unseen_lookups_but_not_readiness(
    live: LiveNamespaces, fake_api: FakeApiServer
) -> None:
    task = await _watching(live)
    fake_api.fail(verb="get", resource="namespaces", status=503, times=5)
    assert (await live.lookup("customer-unseen")).result == "error"
    assert (await live.lookup(STARTER_NS)).result == "cached"
    assert live.synced()
    task.cancel()
