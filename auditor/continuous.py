"""`auditor` without `--once`: the service wired to the API, the Lease and the metrics port.

Runs until SIGTERM or SIGINT, then abandons any pass, releases the Lease and exits 0.
What runs after each complete pass (remediation) is built from the same pieces
by an `after_pass` factory, so it shares the API session, the elector and the registry.
"""

import asyncio
import signal

from aiohttp import web
from prometheus_client import CollectorRegistry

from auditor.clock import Clock, SystemClock
from auditor.leadership import LeaseElector, LeaseTiming
from auditor.metrics import create_metrics
from auditor.remediation.hook import remediation_after_pass
from auditor.service import AfterPass, no_after_pass
from auditor.settings import AuditorSettings
from auditor.wiring import AfterPassFactory, Wiring, wired_service
from tiergate.config import TiergateConfig
from tiergate_edge.health import metrics_app
from tiergate_edge.kube_api import KubeApi


def _nothing_after(wiring: Wiring) -> AfterPass:
    del wiring
    return no_after_pass


async def serve(
    settings: AuditorSettings,
    *,
    config: TiergateConfig,
    stop: asyncio.Event,
    clock: Clock | None = None,
    registry: CollectorRegistry | None = None,
    after_pass: AfterPassFactory = _nothing_after,
) -> None:
    """Run the service and its metrics port until `stop` is set."""
    clock = clock or SystemClock()
    registry = registry or CollectorRegistry()
    metrics = create_metrics(registry, interval_seconds=settings.interval)
    api = await KubeApi.connect(
        retry=settings.retry, on_error=metrics.count_api_error, monotonic=clock.monotonic
    )
    async with api:
        elector = LeaseElector(
            api,
            namespace=settings.own_namespace,
            name=settings.lease_name,
            identity=settings.identity,
            clock=clock,
            timing=LeaseTiming.from_retry_period(settings.lease_retry_period),
        )
        wiring = Wiring(settings, config, api, elector, clock, registry)
        service = wired_service(wiring, metrics=metrics, after_pass=after_pass(wiring))
        runner = web.AppRunner(
            metrics_app(registry, readiness=service.readiness),
            access_log=None,
            handle_signals=False,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.host, settings.metrics_port).start()
            await service.run(stop=stop)
        finally:
            await runner.cleanup()


def serve_until_signalled(settings: AuditorSettings, *, config: TiergateConfig) -> int:
    """`serve` until SIGTERM or SIGINT; exit code 0 after a clean stop."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        # Remediation runs after every pass in every mode: with `off` it only records
        # first-seen times and the breaker's picture, so turning it on later honours them.
        await serve(settings, config=config, stop=stop, after_pass=remediation_after_pass)

    asyncio.run(main())
    return 0
