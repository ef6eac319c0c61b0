"""The KubeApi's error hook: told of every failed try, so a program can count API errors."""

import pytest

from tests.builders import namespace
from tests.fakeapi import FakeApiServer
from tiergate_edge.kube_api import KubeApi, NotFoundError, UnreachableError
from tiergate_edge.retry import RetryPolicy


async def test_every_failed_try_reaches_the_error_hook_with_its_code(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(namespace("a"))
    fake_api.fail(verb="get", resource="namespaces", status=503, times=2)
    told: list[int] = []
    retry = RetryPolicy(attempts=3, backoff_seconds=0.001)
    async with await KubeApi.connect(
        retry=retry, kubeconfig=str(fake_api.kubeconfig), on_error=lambda e: told.append(e.code)
    ) as api:
        assert (await api.request("GET", "/api/v1/namespaces/a"))["metadata"]["name"] == "a"
        with pytest.raises(NotFoundError):
            await api.request("GET", "/api/v1/namespaces/missing")
        fake_api.fail(verb="get", resource="namespaces", status=500, times=5)
        with pytest.raises(UnreachableError):
            await api.request("GET", "/api/v1/namespaces/a")
    assert told == [503, 503, 404, 500, 500, 500]
