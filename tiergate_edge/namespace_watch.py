"""Namespace labels as they change: list, then watch from the list's resourceVersion.

The webhook keeps its label cache with it; the auditor re-audits a namespace
whose labels changed. A 410 or a dropped stream lists again (the list reports
every namespace, so a change missed meanwhile is still seen); other failures
wait a moment first.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from tiergate_edge.kube_api import ApiError, GoneError, KubeApi

LOGGER = logging.getLogger("tiergate.namespaces")
NAMESPACES_PATH = "/api/v1/namespaces"
Labels = dict[str, str]


def namespace_labels(obj: Any) -> tuple[str, Labels] | None:
    """(name, labels) of a raw Namespace; None if it is not shaped like one."""
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    if not isinstance(metadata, Mapping) or not isinstance(metadata.get("name"), str):
        return None
    labels = metadata.get("labels")
    pairs = labels.items() if isinstance(labels, Mapping) else ()
    return metadata["name"], {k: v for k, v in pairs if isinstance(k, str) and isinstance(v, str)}


class NamespaceWatch:
    """`run()` calls `on_list` with every namespace's labels after each list, and
    `on_event` with a namespace's new labels (None once deleted) for each change."""

    def __init__(
        self,
        api: KubeApi,
        *,
        on_list: Callable[[dict[str, Labels]], None],
        on_event: Callable[[str, Labels | None], None],
        retry_seconds: float = 1.0,
        watch_seconds: int = 300,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._api = api
        self._on_list = on_list
        self._on_event = on_event
        self._retry = retry_seconds
        self._watch_seconds = watch_seconds
        self._sleep = sleep

    async def run(self) -> None:
        """List, then watch, forever (cancel to stop)."""
        while True:
            try:
                version = await self._list()
                while True:  # a watch ends at its timeout; resume from the last version
                    version = await self._watch(version)
            except GoneError:
                LOGGER.info("namespace watch expired; listing again")
            except (ApiError, aiohttp.ClientError, TimeoutError, ValueError) as error:
                LOGGER.warning("namespace watch failed", extra={"error": repr(error)})
                await self._sleep(self._retry)

    async def _list(self) -> str:
        listing = await self._api.request("GET", NAMESPACES_PATH)
        items = listing.get("items")
        found = (namespace_labels(item) for item in (items if isinstance(items, list) else ()))
        self._on_list(dict(pair for pair in found if pair is not None))
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
            found = namespace_labels(obj)
            if found is None or event.get("type") == "BOOKMARK":
                continue
            self._on_event(found[0], None if event.get("type") == "DELETED" else found[1])
        return version
