"""The server's Date header: the system's time by default, or a test's clock, offset,
left out or garbled; kubectl keeps working whatever it says."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import aiohttp
import pytest

from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl

NOW = datetime(2026, 3, 1, 12, 0, 30, 700_000, tzinfo=UTC)
PATHS = [
    "/api/v1/namespaces/a",  # an object
    "/api/v1/namespaces",  # a list
    "/api/v1/namespaces/missing",  # an error Status
    "/apis",  # discovery
    "/api/v1/namespaces?watch=1&timeoutSeconds=1",  # a watch stream
]


def _namespace(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


async def _dates(server: FakeApiServer, path: str) -> list[str]:
    async with aiohttp.ClientSession() as session, session.get(server.url + path) as response:
        return response.headers.getall("Date", [])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("offset", [timedelta(0), timedelta(minutes=20), timedelta(minutes=-20)])
async def test_every_response_is_dated_by_the_test_clock_plus_the_offset(
    fake_api: FakeApiServer, path: str, offset: timedelta
) -> None:
    fake_api.seed(_namespace("a"))
    fake_api.date.now = lambda: NOW
    fake_api.date.offset = offset
    (date,) = await _dates(fake_api, path)
    assert parsedate_to_datetime(date) == (NOW + offset).replace(microsecond=0)
    assert date.endswith(" GMT")


async def test_by_default_the_date_is_the_system_time(fake_api: FakeApiServer) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    (date,) = await _dates(fake_api, "/api/v1/namespaces")
    assert before <= parsedate_to_datetime(date) <= datetime.now(UTC)


@pytest.mark.parametrize("path", PATHS)
async def test_a_left_out_date_is_not_sent_and_a_text_is_sent_as_it_is(
    fake_api: FakeApiServer, path: str
) -> None:
    fake_api.seed(_namespace("a"))
    fake_api.date.omit = True
    assert await _dates(fake_api, path) == []
    fake_api.date.omit, fake_api.date.text = False, "not a date"
    assert await _dates(fake_api, path) == ["not a date"]


@pytest.mark.parametrize(
    ("offset", "omit"), [(timedelta(hours=-3), False), (timedelta(hours=3), False), (None, True)]
)
def test_kubectl_answers_whatever_the_date_says(
    fake_api: FakeApiServer, offset: timedelta | None, omit: bool
) -> None:
    fake_api.seed(_namespace("a"))
    fake_api.date.offset = offset or timedelta(0)
    fake_api.date.omit = omit
    result = kubectl(fake_api, "get", "ns", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["namespace/a"]
