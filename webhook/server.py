"""The running webhook: the TLS review site, the plain metrics site, background work, shutdown.

Shutdown follows the API server's view of endpoints: on SIGTERM `/readyz` fails at
once, reviews are still answered for `--shutdown-delay` (until kube-proxy and the
API server stop sending), then the sites close and in-flight reviews finish.
"""

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry

from tiergate.admission import Admission
from tiergate.config import ConfigError
from tiergate_edge.health import metrics_app
from webhook.app import Transport, review_app
from webhook.certificates import ServingCertificate
from webhook.health import Readiness
from webhook.metrics import create_metrics
from webhook.namespaces import NamespaceSource
from webhook.serving import Reviewer
from webhook.settings import Settings

Work = Callable[[], Coroutine[Any, Any, None]]
_IN_FLIGHT_SECONDS = 30.0  # the API server gives up on a review after at most 30 s


def _background(work: Work) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx that runs `work` for the application's lifetime."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        del app
        task = asyncio.create_task(work())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


class WebhookServer:
    """Both sites of one webhook process; `start()`, then `stop()`."""

    def __init__(
        self,
        settings: Settings,
        *,
        namespaces: NamespaceSource,
        background: Sequence[Work] = (),
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry or CollectorRegistry()
        metrics = create_metrics(self.registry)
        try:
            self.certificate = ServingCertificate(
                settings.tls_cert, settings.tls_key, metrics=metrics
            )
        except (OSError, ssl.SSLError, ValueError) as error:
            raise ConfigError(
                f"{settings.tls_cert}, {settings.tls_key}: cannot load the serving certificate: "
                f"{error}"
            ) from error
        self.readiness = Readiness(
            certificates=True, rules=True, namespaces_synced=namespaces.synced
        )
        admission = Admission(
            settings.config,
            own_namespace=settings.own_namespace,
            deny_unknown=settings.deny_unknown_namespace,
        )
        reviewer = Reviewer(admission, namespaces=namespaces, metrics=metrics)
        transport = Transport(
            reviewer=reviewer, metrics=metrics, max_body_bytes=settings.max_body_bytes
        )
        app = review_app(transport, readiness=self.readiness)
        poll = settings.certificate_poll
        for work in (lambda: self.certificate.poll(interval=poll), *background):
            app.cleanup_ctx.append(_background(work))
        # No access log: one line per review would drown the denials that matter.
        self._reviews = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=_IN_FLIGHT_SECONDS
        )
        self._metrics = web.AppRunner(
            metrics_app(self.registry, readiness=self.readiness),
            access_log=None,
            handle_signals=False,
        )

    async def start(self) -> None:
        settings = self.settings
        await self._reviews.setup()
        await self._metrics.setup()
        await web.TCPSite(
            self._reviews, settings.host, settings.port, ssl_context=self.certificate.context
        ).start()
        await web.TCPSite(self._metrics, settings.host, settings.metrics_port).start()

    @property
    def ports(self) -> tuple[int, int]:
        """The bound (review, metrics) ports; useful when the settings said 0."""
        return self._reviews.addresses[0][1], self._metrics.addresses[0][1]

    async def stop(self, *, delay: float) -> None:
        """Unready at once, keep serving `delay` seconds, then finish in-flight reviews."""
        self.readiness.draining = True
        await asyncio.sleep(delay)
        try:
            await self._reviews.cleanup()
        finally:
            await self._metrics.cleanup()
