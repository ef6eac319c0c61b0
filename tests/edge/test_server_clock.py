"""The API server's time as KubeApi tells it: its latest Date plus the monotonic time since."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import namespace
from tests.fakeapi import FakeApiServer
from tiergate_edge.kube_api import KubeApi, NotFoundError
from tiergate_edge.retry import RetryPolicy
from tiergate_edge.server_clock import parse_date

SERVER_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RETRY = RetryPolicy(attempts=3, backoff_seconds=0.001)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server(fake_api: FakeApiServer) -> FakeApiServer:
    fake_api.seed(namespace("a"))
    fake_api.date.now = lambda: SERVER_NOW
    return fake_api


async def _api(server: FakeApiServer, ticks: Ticks) -> KubeApi:
    return await KubeApi.connect(retry=RETRY, kubeconfig=str(server.kubeconfig), monotonic=ticks)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Sun, 01 Mar 2026 12:00:00 GMT", SERVER_NOW),  # IMF-fixdate, what servers send
        ("Sunday, 01-Mar-26 12:00:00 GMT", SERVER_NOW),  # RFC 850, obsolete but readable
        ("Sun Mar  1 12:00:00 2026", SERVER_NOW),  # asctime, obsolete but readable
        ("Sun, 01 Mar 2026 13:00:00 +0100", SERVER_NOW),  # not GMT: converted
        ("Sun, 01 Mar 2026 12:00:00 -0000", SERVER_NOW),  # zone unknown: GMT
        ("yesterday", None),
        ("Sun, 32 Mar 2026 12:00:00 GMT", None),
        ("Mon, 01 Jan 2024 99999999999999999999:00:00 GMT", None),  # overflows
        ("Fri, 31 Dec 9999 23:59:59 -2359", None),  # past the last datetime in UTC
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),  # the time since would overflow
        ("", None),
        (None, None),
    ],
)
def test_a_date_header_is_read_as_utc_or_not_at_all(
    header: str | None, expected: datetime | None
) -> None:
    assert parse_date(header) == expected


async def test_the_server_time_is_unknown_until_a_response_has_come(
    server: FakeApiServer,
) -> None:
    async with await _api(server, Ticks()) as api:
        assert api.server_time() is None


async def test_the_server_time_is_the_last_date_plus_the_monotonic_time_since(
    server: FakeApiServer,
) -> None:
    ticks = Ticks()
    async with await _api(server, ticks) as api:
        await api.request("GET", "/api/v1/namespaces/a")
        assert api.server_time() == SERVER_NOW
        ticks.now += 90.5
        assert api.server_time() == SERVER_NOW + timedelta(seconds=90.5)
        server.date.offset = timedelta(minutes=-20)  # the server's clock was set back
        await api.request("GET", "/api/v1/namespaces/a")
        assert api.server_time() == SERVER_NOW - timedelta(minutes=20)


async def test_the_date_of_a_refused_or_retried_request_counts_too(
    server: FakeApiServer,
) -> None:
    ticks = Ticks()
    async with await _api(server, ticks) as api:
        with pytest.raises(NotFoundError):
            await api.request("GET", "/api/v1/namespaces/missing")
        assert api.server_time() == SERVER_NOW
        server.fail(verb="get", resource="namespaces", status=503, times=1)
        server.date.offset = timedelta(hours=1)
        await api.request("GET", "/api/v1/namespaces/a")
        assert api.server_time() == SERVER_NOW + timedelta(hours=1)


@pytest.mark.parametrize(("omit", "text"), [(True, None), (False, "not a date")])
async def test_a_response_without_a_usable_date_keeps_the_last_reading(
    server: FakeApiServer, omit: bool, text: str | None
) -> None:
    ticks = Ticks()
    async with await _api(server, ticks) as api:
        server.date.omit, server.date.text = omit, text
        await api.request("GET", "/api/v1/namespaces/a")
        assert api.server_time() is None, "nothing usable yet"
        server.date.omit, server.date.text = False, None
        await api.request("GET", "/api/v1/namespaces/a")
        server.date.omit, server.date.text = omit, text
        ticks.now += 30
        await api.request("GET", "/api/v1/namespaces/a")
        assert api.server_time() == SERVER_NOW + timedelta(seconds=30)
