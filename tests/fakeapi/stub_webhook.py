"""A small TLS webhook for testing the fake API server's admission: records, then answers.

It runs in its own thread and loop, as the fake does, so a test can drive `kubectl`
synchronously while both servers answer; its certificate names only `<svc>.<ns>.svc`,
so a call that reaches it proves the caller verified the name it sent as SNI.
"""

import asyncio
import base64
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakeapi.threaded import ThreadedServer
from tests.webhook.certs import make_ca, make_serving

Answer = tuple[int, bytes, str]  # status, body, content type
Answerer = Callable[[dict[str, Any]], Answer]


def allow(review: dict[str, Any], *, warnings: tuple[str, ...] = ()) -> Answer:
    return respond(review, allowed=True, warnings=warnings)


def respond(
    review: dict[str, Any],
    *,
    allowed: bool,
    status: dict[str, Any] | None = None,
    warnings: tuple[str, ...] = (),
    uid: str | None = None,
) -> Answer:
    """A v1 AdmissionReview answer echoing the request's uid (or `uid`)."""
    response: dict[str, Any] = {"uid": uid or review["request"]["uid"], "allowed": allowed}
    if status is not None:
        response["status"] = status
    if warnings:
        response["warnings"] = list(warnings)
    body = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
    return 200, json.dumps(body).encode(), "application/json"


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    server_name: str | None
    review: dict[str, Any]


class StubWebhook(ThreadedServer):
    """Serves HTTPS on 127.0.0.1 with a certificate for `service_name` alone."""

    def __init__(self, directory: Path, *, service_name: str = "stub.tests.svc") -> None:
        self.ca = make_ca(directory / "ca")
        self.pair = make_serving(directory / "serving", ca=self.ca, name=service_name)
        self.answer: Answerer = allow
        self.delay = 0.0
        self.received: list[Received] = []
        super().__init__(name="stub-webhook", shutdown_timeout=0.5)

    @property
    def ca_bundle(self) -> str:
        """The CA as a configuration's `caBundle` carries it: base64 of the PEM."""
        return base64.b64encode(self.ca.cert.read_bytes()).decode("ascii")

    def _application(self) -> tuple[web.Application, ssl.SSLContext | None]:
        names: dict[int, str | None] = {}
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.pair.cert, self.pair.key)

        def remember(sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
            names[id(sock)] = name

        context.sni_callback = remember

        async def handle(request: web.Request) -> web.Response:
            review = await request.json()
            transport = request.transport
            ssl_object = transport.get_extra_info("ssl_object") if transport else None
            self.received.append(
                Received(
                    path=request.path,
                    query=dict(request.query),
                    headers=dict(request.headers),
                    server_name=names.get(id(ssl_object)),
                    review=review,
                )
            )
            if self.delay:
                await asyncio.sleep(self.delay)
            status, body, content_type = self.answer(review)
            return web.Response(status=status, body=body, content_type=content_type)

        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", handle)
        return app, context
