"""Namespace labels from the API: a watch-fed cache, and a GET for a namespace not seen yet.

A relabel reaches the cache through the watch within seconds; a namespace created a
second ago, before its watch event arrives, is read by GET. The first complete list
makes the webhook ready; later API blips do not make it unready (every replica would
drop out at once), they only make lookups of unseen namespaces fail.
"""

import logging
from types import TracebackType
from typing import Self

from tiergate_edge.kube_api import ApiError, KubeApi, NotFoundError
from tiergate_edge.namespace_watch import NAMESPACES_PATH, NamespaceWatch, namespace_labels
from tiergate_edge.retry import RetryPolicy
from webhook.namespaces import Lookup

LOGGER = logging.getLogger("tiergate.webhook.namespaces")


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
        # An admission lookup answers within the webhook's own timeout: one quick try.
        self._lookup = RetryPolicy(
            attempts=1, budget_seconds=lookup_seconds, timeout_seconds=lookup_seconds
        )
        self._watch = NamespaceWatch(
            api,
            on_list=self._listed,
            on_event=self._changed,
            retry_seconds=retry_seconds,
            watch_seconds=watch_seconds,
        )
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
        found = namespace_labels(body)
        if found is None:
            return Lookup(None, "error")
        # The watch may have stored a newer copy meanwhile; it wins.
        return Lookup(self._labels.setdefault(name, found[1]), "fetched")

    async def run(self) -> None:
        """Keep the cache fed by the namespace watch, forever (cancel to stop)."""
        await self._watch.run()

    def _listed(self, labels: dict[str, dict[str, str]]) -> None:
        self._labels = labels
        self._synced = True

    def _changed(self, name: str, labels: dict[str, str] | None) -> None:
        if labels is None:
            self._labels.pop(name, None)
        else:
            self._labels[name] = labels
