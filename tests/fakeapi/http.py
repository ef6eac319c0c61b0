"""A raw HTTP helper for tests that need what typed clients hide: status codes,
exact bodies, content types, watch streams read line by line."""

import json
from typing import Any

import aiohttp

from tests.fakeapi.server import FakeApiServer


async def call(
    server: FakeApiServer,
    method: str,
    path: str,
    *,
    body: Any = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request; the answer's status and its decoded JSON body."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": content_type} | (headers or {})
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.url + path, data=data, headers=sent) as response,
    ):
        return response.status, await response.json(content_type=None)


async def watch_lines(
    server: FakeApiServer, path: str, *, count: int | None = None
) -> list[dict[str, Any]]:
    """The events of a watch request: `count` of them, or all until the server ends it."""
    events: list[dict[str, Any]] = []
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + path) as response,
    ):
        async for line in response.content:
            if line.strip():
                events.append(json.loads(line))
            if len(events) == count:
                break
    return events
