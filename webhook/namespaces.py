"""Where the webhook learns a namespace's labels: the contract the server relies on.

The live source (a watch-fed cache with a GET fallback) and the tests' fixed
source both answer it; the answer says how it was found, for the metrics.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Lookup:
    """A namespace's labels (None: unknown) and how they were found (a metric label)."""

    labels: Mapping[str, str] | None
    result: str  # cached | fetched | not_found | error


class NamespaceSource(Protocol):
    async def lookup(self, name: str) -> Lookup: ...

    def synced(self) -> bool: ...


class FixedNamespaces:
    """Namespaces whose labels are known up front (`--namespace`-style tests, benchmarks)."""

    def __init__(self, labels: Mapping[str, Mapping[str, str]]) -> None:
        self._labels = dict(labels)

    async def lookup(self, name: str) -> Lookup:
        labels = self._labels.get(name)
        return Lookup(labels, "cached" if labels is not None else "not_found")

    def synced(self) -> bool:
        return True
