"""Namespace labels from the API: a watch-fed cache, and a GET for a namespace not seen yet.

A relabel reaches the cache through the watch within seconds; a namespace created a
second ago, before its watch event arrives, is read by GET. The first complete list
makes the webhook ready; later API blips do not make it unready (every replica would
drop out at once), they only make lookups of unseen namespaces fail.
"""

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from tiergate_edge.kube_api import ApiError, GoneError, KubeApi, NotFoundError
from tiergate_edge.retry import RetryPolicy
from webhook.namespaces import Lookup

LOGGER = logging.getLogger("tiergate.webhook.namespaces")
NAMESPACES_PATH = "/api/v1/namespaces"


def _labels(obj: Any) -> tuple[str, dict[str, str]] | None:
    """(name, labels) of a raw Namespace; None if it is not shaped like one."""
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    if not isinstance(metadata, Mapping) or not isinstance(metadata.get("name"), str):
        return None
    labels = metadata.get("labels")
    pairs = labels.items() if isinstance(labels, Mapping) else ()
    return metadata["name"], {k: v for k, v in pairs if isinstance(k, str) and isinstance(v, str)}


class LiveNamespaces:
    """The NamespaceSource of a running webhook; use as `async with`, then `run()`."""

    def __init__(
        self,
        api: KubeApi,
        *,
        retry_seconds: float = 1.0,
        lookup_seconds: float = 3.0,
        watch_seconds: int = 300,
    ) -> None:
        self._api = api
        self._retry = retry_seconds
        # An admission lookup answers within the webhook's own timeout: one quick try.
        self._lookup = RetryPolicy(
            attempts=1, budget_seconds=lookup_seconds, timeout_seconds=lookup_seconds
        )
        self._watch_seconds = watch_seconds
        self._labels: dict[str, dict[str, str]] = {}
        self._synced = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._api.close()

    def synced(self) -> bool:
        return self._synced

    async def lookup(self, name: str) -> Lookup:
        labels = self._labels.get(name)
        if labels is not None:
            return Lookup(labels, "cached")
        try:
            body = await self._api.request("GET", f"{NAMESPACES_PATH}/{name}", retry=self._lookup)
        except NotFoundError:
            return Lookup(None, "not_found")
        except ApiError as error:
            LOGGER.warning(
                "namespace lookup failed", extra={"namespace": name, "error": str(error)}
            )
            return Lookup(None, "error")
        found = _labels(body)
        if found is None:
            return Lookup(None, "error")
        # The watch may have stored a newer copy meanwhile; it wins.
        return Lookup(self._labels.setdefault(name, found[1]), "fetched")

    async def run(self) -> None:
        """List, then watch from the list's resourceVersion, forever (cancel to stop).

        A 410 or a dropped stream lists again; other failures wait `retry_seconds` first.
        """
        while True:
            try:
                version = await self._list()
                while True:  # a watch ends at its timeout; resume from the last version
                    version = await self._watch(version)
            except GoneError:
                LOGGER.info("namespace watch expired; listing again")
            except (ApiError, aiohttp.ClientError, TimeoutError, ValueError) as error:
                LOGGER.warning("namespace watch failed", extra={"error": repr(error)})
                await asyncio.sleep(self._retry)

    async def _list(self) -> str:
        listing = await self._api.request("GET", NAMESPACES_PATH)
        items = listing.get("items")
        found = (_labels(item) for item in (items if isinstance(items, list) else ()))
        self._labels = dict(pair for pair in found if pair is not None)
        self._synced = True
        version = listing.get("metadata", {}).get("resourceVersion")
        if not isinstance(version, str):
            raise ApiError("the namespace list has no resourceVersion", code=0)
        return version

    async def _watch(self, version: str) -> str:
        async for event in self._api.watch(
            NAMESPACES_PATH, resource_version=version, timeout_seconds=self._watch_seconds
        ):
            obj = event.get("object")
            metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
            if isinstance(metadata, Mapping) and isinstance(metadata.get("resourceVersion"), str):
                version = metadata["resourceVersion"]
            found = _labels(obj)
            if found is None or event.get("type") == "BOOKMARK":
                continue
            if event.get("type") == "DELETED":
                self._labels.pop(found[0], None)
            else:
                self._labels[found[0]] = found[1]
        return version
