"""Liveness and readiness, served on both ports.

Ready means certificates and rules loaded and the first namespace sync done;
a later API blip does not make a replica unready (every replica would drop out
at once). Draining (after SIGTERM) makes it unready at once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Readiness:
    certificates: bool = False
    rules: bool = False
    namespaces_synced: Callable[[], bool] = field(default=lambda: True)
    draining: bool = False

    def missing(self) -> list[str]:
        """What keeps the server from being ready, in words."""
        waiting = [
            what
            for what, done in (
                ("certificates", self.certificates),
                ("rules", self.rules),
                ("the first namespace sync", self.namespaces_synced()),
            )
            if not done
        ]
        return ["shutting down", *waiting] if self.draining else waiting


READINESS = web.AppKey("readiness", Readiness)


async def healthz(request: web.Request) -> web.Response:
    del request
    return web.Response(text="ok\n")


async def readyz(request: web.Request) -> web.Response:
    missing = request.app[READINESS].missing()
    if missing:
        return web.Response(status=503, text=f"not ready: {', '.join(missing)}\n")
    return web.Response(text="ok\n")


def add_health_routes(app: web.Application, *, readiness: Readiness) -> None:
    app[READINESS] = readiness
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
