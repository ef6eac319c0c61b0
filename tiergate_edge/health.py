"""Liveness, readiness and /metrics over plain HTTP: the same routes in both programs.

What "ready" means differs (certificates and a namespace sync for the webhook, a
first pass or a follower's first Lease read for the auditor), so each program
passes its own Readiness; the routes and their wording are shared.
"""

from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler


class Readiness(Protocol):
    def missing(self) -> list[str]:
        """What keeps the program from being ready, in words; empty when ready."""
        ...


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


def metrics_app(registry: CollectorRegistry, *, readiness: Readiness) -> web.Application:
    """The application on the plain-HTTP port: /metrics, /healthz, /readyz."""
    app = web.Application()
    app.router.add_get("/metrics", make_aiohttp_handler(registry))
    add_health_routes(app, readiness=readiness)
    return app
