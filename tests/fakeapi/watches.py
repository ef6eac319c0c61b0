"""Watch streams: newline-delimited events from a resourceVersion, with bookmarks and timeouts.

The auditor's namespace watch and kubectl's `--wait` read these; a stream is fed
from the store by the thread that writes and drained by the server's own loop.
"""

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.fakeapi.resources import Resource
from tests.fakeapi.routing import WATCH_VALUES
from tests.fakeapi.selectors import Predicate, selection
from tests.fakeapi.status import ApiError, bad_request
from tests.fakeapi.store import Event, Store

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
DEFAULT_TIMEOUT = 1800.0


class Watches:
    """The open watch streams of one server, so shutdown can end them at once."""

    def __init__(self, *, bookmark_interval: float = 60.0) -> None:
        self.bookmark_interval = bookmark_interval
        self._queues: set[asyncio.Queue[Event | None]] = set()

    def stop_all(self) -> None:
        for queue in self._queues:
            queue.put_nowait(None)

    async def stream(
        self,
        request: web.Request,
        *,
        store: Store,
        resource: Resource,
        namespace: str | None,
        query: dict[str, str],
    ) -> web.StreamResponse:
        """Answer a `watch=1` request until its timeout, the client leaving, or shutdown."""
        since = _since(query.get("resourceVersion", ""))
        timeout = float(query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
        bookmarks = query.get("allowWatchBookmarks") in WATCH_VALUES
        wants = selection(query, plural=resource.plural)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        def subscriber(event: Event) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, event)

        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            seen, unsubscribe = store.watch(resource, since=since, subscriber=subscriber)
        except ApiError as error:
            await _send(response, kind="ERROR", obj=error.status())
            return response
        self._queues.add(queue)
        try:
            if since is None and bookmarks and query.get("sendInitialEvents") in WATCH_VALUES:
                # The initial ADDED events are scheduled on the loop; the marker goes after them.
                marker = Event("BOOKMARK", resource, {}, None, seen)
                loop.call_soon_threadsafe(queue.put_nowait, marker)
            await self._drain(
                response,
                queue,
                namespace=namespace,
                wants=wants,
                bookmarks=bookmarks,
                seen=seen,
                deadline=loop.time() + timeout,
                resource=resource,
            )
        except ConnectionResetError:
            pass  # the client went away, which ends a watch as the timeout does
        finally:
            unsubscribe()
            self._queues.discard(queue)
        return response

    async def _drain(
        self,
        response: web.StreamResponse,
        queue: "asyncio.Queue[Event | None]",
        *,
        namespace: str | None,
        wants: Predicate,
        bookmarks: bool,
        seen: int,
        deadline: float,
        resource: Resource,
    ) -> None:
        loop = asyncio.get_running_loop()
        next_bookmark = loop.time() + self.bookmark_interval
        while (now := loop.time()) < deadline:
            if bookmarks and now >= next_bookmark:
                await _send(
                    response, kind="BOOKMARK", obj=_bookmark(resource, rv=seen, initial_end=False)
                )
                next_bookmark = now + self.bookmark_interval
            wait = min(deadline, next_bookmark if bookmarks else deadline) - now
            try:
                event = await asyncio.wait_for(queue.get(), timeout=max(wait, 0))
            except TimeoutError:
                continue
            if event is None:
                return
            if event.type == "BOOKMARK":
                await _send(
                    response, kind="BOOKMARK", obj=_bookmark(resource, rv=seen, initial_end=True)
                )
                continue
            seen = max(seen, event.rv)
            shown = _as_seen(event, namespace=namespace, wants=wants)
            if shown is not None:
                await _send(response, kind=shown, obj=event.obj)


def _since(value: str) -> int | None:
    if value in {"", "0"}:
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"invalid resource version: {value!r}") from None


def _as_seen(event: Event, *, namespace: str | None, wants: Predicate) -> str | None:
    """The event type a filtered watch reports: objects entering or leaving the selection."""
    if namespace is not None and event.obj["metadata"].get("namespace") != namespace:
        return None
    now = wants(event.obj)
    before = event.old is not None and wants(event.old)
    if event.type == "DELETED":
        return "DELETED" if before or now else None
    if event.type == "ADDED":
        return "ADDED" if now else None
    return {(True, True): "MODIFIED", (False, True): "ADDED", (True, False): "DELETED"}.get(
        (before, now)
    )


def _bookmark(resource: Resource, *, rv: int, initial_end: bool) -> dict[str, Any]:
    metadata: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
    return {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": metadata}


async def _send(response: web.StreamResponse, *, kind: str, obj: dict[str, Any]) -> None:
    await response.write(
        json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"
    )
