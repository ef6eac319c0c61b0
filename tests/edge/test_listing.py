"""Paged listing asks for the next page while the caller reads the current one.

Against the fake API server over real HTTP: the request for page 2 reaches the
server before the caller asks for it; its failure surfaces when the caller does;
a caller that stops early leaves no request unreaped and no failure unreported.
"""

import asyncio
import contextlib
import gc
from typing import Any

import pytest

from tests.builders import namespace
from tests.fakeapi import FakeApiServer
from tiergate_edge.kube_api import ForbiddenError, KubeApi
from tiergate_edge.listing import list_pages
from tiergate_edge.retry import RetryPolicy

ONE_TRY = RetryPolicy(attempts=1, backoff_seconds=0.001)


def _namespace_lists(server: FakeApiServer) -> int:
    return sum(1 for r in server.requests if r.verb == "list" and r.resource == "namespaces")


async def _heard(server: FakeApiServer, *, lists: int) -> None:
    """Wait (10 s at most) until the server has received `lists` Namespace lists."""
    for _ in range(1000):
        if _namespace_lists(server) >= lists:
            return
        await asyncio.sleep(0.01)


async def _take(api: KubeApi, *, into: list[str]) -> None:
    async for page in _pages(api):
        into += [i["metadata"]["name"] for i in page]


def _pages(api: KubeApi) -> Any:
    return list_pages(
        api, path="/api/v1/namespaces", kind="Namespace", api_version="v1", page_size=2
    )


async def test_the_next_page_is_asked_for_before_the_caller_takes_it(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(*(namespace(f"ns-{n}") for n in range(5)))
    async with await KubeApi.connect(retry=ONE_TRY, kubeconfig=str(fake_api.kubeconfig)) as api:
        pages = _pages(api)
        async with contextlib.aclosing(pages):
            first = await anext(pages)
            assert [i["metadata"]["name"] for i in first] == ["ns-0", "ns-1"]
            # The caller has not asked for page 2, yet the server hears of it.
            await _heard(fake_api, lists=2)
            assert _namespace_lists(fake_api) == 2
            rest = [item async for page in pages for item in page]
    assert [i["metadata"]["name"] for i in rest] == ["ns-2", "ns-3", "ns-4"]
    assert all(i["kind"] == "Namespace" and i["apiVersion"] == "v1" for i in first + rest)
    assert _namespace_lists(fake_api) == 3, "5 objects in pages of 2, none asked for twice"


async def test_a_failed_next_page_fails_when_the_caller_asks_for_it(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(*(namespace(f"ns-{n}") for n in range(5)))
    fake_api.fail(verb="list", resource="namespaces", status=403, where=_continued)
    taken: list[str] = []
    async with await KubeApi.connect(retry=ONE_TRY, kubeconfig=str(fake_api.kubeconfig)) as api:
        with pytest.raises(ForbiddenError):
            await _take(api, into=taken)
    assert taken == ["ns-0", "ns-1"]


async def test_a_caller_that_stops_early_leaves_no_failure_unreported(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(*(namespace(f"ns-{n}") for n in range(5)))
    fake_api.fail(verb="list", resource="namespaces", status=500, where=_continued)
    unhandled: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: unhandled.append(context))
    async with await KubeApi.connect(retry=ONE_TRY, kubeconfig=str(fake_api.kubeconfig)) as api:
        pages = _pages(api)
        async with contextlib.aclosing(pages):
            first = await anext(pages)
            # The failed answer to the page asked for arrives before the caller stops.
            await _heard(fake_api, lists=2)
            await asyncio.sleep(0.2)
        del pages
    gc.collect()
    await asyncio.sleep(0)
    assert len(first) == 2
    assert unhandled == []


def _continued(request: Any) -> bool:
    return "continue" in request.query
