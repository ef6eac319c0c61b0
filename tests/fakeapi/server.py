"""The fake API server in its own thread, on its own event loop, on a free local port.

Code under test runs its own loop and kubectl runs as a subprocess; neither may
share the server's loop, or a blocked client would block the server it waits for.
"""

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import yaml
from aiohttp import web

from tests.fakeapi import seeding
from tests.fakeapi.admission import SentReview
from tests.fakeapi.app import State, make_app
from tests.fakeapi.dates import ServerDate
from tests.fakeapi.faults import Fault, Faults, RecordedRequest
from tests.fakeapi.resources import MONITORS, Catalog, Resource
from tests.fakeapi.store import Obj, Store
from tests.fakeapi.threaded import ThreadedServer
from tests.fakeapi.watches import Watches

# A credential for a server that only exists on localhost for one test.
TOKEN = "fake-api-token"  # noqa: S105


class FakeApiServer(ThreadedServer):
    """A Kubernetes API server for tests: real HTTP, real protocol, in-memory state."""

    def __init__(
        self,
        directory: Path,
        *,
        monitors: bool = False,
        token: str = TOKEN,
        bookmark_interval: float = 60.0,
    ) -> None:
        self.directory = directory
        self.catalog = Catalog()
        if monitors:
            self.catalog.add(*MONITORS)
        self.store = Store(self.catalog)
        self.faults = Faults()
        self.token = token
        # The server's clock in its Date headers: tests set `date.now`, `offset`, `omit`.
        self.date = ServerDate()
        self._state = State(
            catalog=self.catalog,
            store=self.store,
            faults=self.faults,
            watches=Watches(bookmark_interval=bookmark_interval),
            token=token,
            date=self.date,
        )
        super().__init__(name="fakeapi")
        self._state.address = f"127.0.0.1:{self.port}"
        self.kubeconfig = directory / "kubeconfig"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._write_kubeconfig()
        return super().start()

    def _application(self) -> tuple[web.Application, ssl.SSLContext | None]:
        return make_app(self._state), None

    def _write_kubeconfig(self) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": self.token}}],
            "contexts": [
                {
                    "name": "fake",
                    "context": {"cluster": "fake", "user": "tester", "namespace": "default"},
                }
            ],
            "current-context": "fake",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config), encoding="utf-8")

    # What tests use: seeding, reading the store, switching CRDs, faults, the log.

    def seed(self, *objects: Obj) -> list[Obj]:
        """Store objects (or `kind: List` documents) as they are, namespaces first."""
        return seeding.seed(self.store, objects=(o for doc in objects for o in seeding.expand(doc)))

    def seed_file(self, path: Path) -> list[Obj]:
        return seeding.seed_file(self.store, path=path)

    def get(self, plural: str, *, name: str, namespace: str | None = None, group: str = "") -> Obj:
        """An object straight from the store, bypassing HTTP, faults and the log."""
        return self.store.get(self._resource(plural, group=group), namespace=namespace, name=name)

    def delete(
        self, plural: str, *, name: str, namespace: str | None = None, group: str = ""
    ) -> Obj:
        """Delete straight in the store (dependents follow), as another client would."""
        return self.store.delete(
            self._resource(plural, group=group), namespace=namespace, name=name
        )

    def _resource(self, plural: str, *, group: str) -> Resource:
        version = self.catalog.group_versions().get(group, ["v1"])[0]
        resource = self.catalog.find(group, version=version, plural=plural)
        if resource is None:
            raise KeyError(f"{plural} in group {group!r} is not served")
        return resource

    def enable_monitors(self) -> None:
        """Serve ServiceMonitor and PodMonitor, as once the Prometheus Operator is installed."""
        self.catalog.add(*MONITORS)

    def disable_monitors(self) -> None:
        self.catalog.remove(*MONITORS)

    def fail(self, **fields: Any) -> Fault:
        """Inject a fault: see `Fault` for the fields (verb, resource, status, times, ...)."""
        return self.faults.add(Fault(**fields))

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.faults.requests

    def expire_continue_tokens(self) -> None:
        self.store.expire_continue_tokens()

    def route_service(self, *, namespace: str, name: str, port: int = 443, to: int) -> None:
        """Send webhook calls for Service `namespace/name:port` to 127.0.0.1:`to`."""
        self._state.services.route(namespace=namespace, name=name, port=port, to=to)

    def unroute_service(self, *, namespace: str, name: str, port: int = 443) -> None:
        self._state.services.unroute(namespace=namespace, name=name, port=port)

    @property
    def reviews(self) -> list[SentReview]:
        """Every AdmissionReview sent to a webhook, in order."""
        return self._state.reviews

    def compact(self) -> None:
        self.store.compact()


@contextmanager
def serve(directory: Path, **options: Any) -> Iterator[FakeApiServer]:
    """A started server for the block, stopped after it; `options` as `FakeApiServer`."""
    server = FakeApiServer(directory, **options)
    with server:
        yield server
