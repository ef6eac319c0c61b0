"""Auditor service replicas against the fake API server, on a clock the tests move.

Each replica is an `AuditorService` with its own API session, elector and registry,
wired as `auditor.continuous.serve` wires them, so an `after_pass` factory (remediation)
gets the same pieces it gets in the program. The server's Date follows the test's
clock (the API server's time); a replica's wall clock may be skewed from it.
`eventually` only waits for the replicas' real HTTP round trips to the fake server,
never for the clock.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import CollectorRegistry

from auditor import metric_names as names
from auditor.leadership import LeaseElector, LeaseTiming
from auditor.metrics import create_metrics
from auditor.service import AuditorService
from auditor.settings import parse_settings
from auditor.wiring import AfterPassFactory, Wiring, wired_service
from tests.auditor import election
from tests.auditor.election import LEASE, OWN, TIMING
from tests.auditor.fake_clock import FakeClock, SkewedClock
from tests.builders import EXPORTER_IMAGE, container, deployment, namespace
from tests.fakeapi import FakeApiServer
from tiergate.config import TiergateConfig, default_config
from tiergate.findings import AuditReport
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy

INTERVAL = 60.0
ROUND_TRIPS_SECONDS = 30.0  # how long HTTP to the fake server may take on a busy machine
SLEEPERS = 2  # per replica: the Lease loop and the pass loop


@dataclass
class Replica:
    identity: str
    elector: LeaseElector
    service: AuditorService
    registry: CollectorRegistry
    stop: asyncio.Event
    task: "asyncio.Task[None]"
    reports: list[AuditReport] = field(default_factory=list)

    def sample(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        return self.registry.get_sample_value(name, labels or {})

    def drift(self, namespace_name: str) -> float | None:
        return self.sample(
            names.NAMESPACE_DRIFT,
            {
                "rule": "mosquitto-exporter",
                "namespace": namespace_name,
                "kind": "Deployment",
                "drift": "unwanted",
                "dormant": "false",
            },
        )

    def passes(self, result: str = "complete") -> float:
        return self.sample(names.PASSES, {"result": result}) or 0.0

    async def stopped(self) -> None:
        self.stop.set()
        await self.task


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for the replicas' HTTP round trips, never for the clock."""
    async with asyncio.timeout(ROUND_TRIPS_SECONDS):
        while not condition():  # noqa: ASYNC110 - a metric has no event to wait on
            await asyncio.sleep(0.01)


async def step(
    clock: FakeClock, *, seconds: float, sleepers: int, timing: LeaseTiming = TIMING
) -> None:
    """Move time on a retry period at a time, letting the replicas' loops (`sleepers` of
    them) take each step, as real time would."""
    for _ in range(round(seconds / timing.retry_seconds)):
        clock.advance(timing.retry_seconds)
        await clock.asleep(sleepers)


def drifting_tenants(server: FakeApiServer, *names: str) -> FakeApiServer:
    """`server` with tiergate's namespace and Starter tenants that each run the exporter."""
    exporter = container("exporter", EXPORTER_IMAGE)
    server.seed(
        namespace(OWN),
        *(namespace(name, tier="starter") for name in names),
        *(deployment("tenant-mosquitto-exporter", name, exporter) for name in names),
    )
    return server


def lease_holder(server: FakeApiServer) -> str | None:
    lease = server.get("leases", name=LEASE, namespace=OWN, group="coordination.k8s.io")
    holder: str | None = lease["spec"].get("holderIdentity")
    return holder


def refuse_renewals(server: FakeApiServer, *, identity: str) -> None:
    """From now on the API refuses (503) every write of the Lease by `identity`."""
    server.fail(
        verb="update",
        resource="leases",
        status=503,
        times=10**6,
        where=lambda r: r.body["spec"].get("holderIdentity") == identity,
    )


Start = Callable[[str], "asyncio.Future[Replica]"]


@asynccontextmanager
async def replicas(
    server: FakeApiServer,
    clock: FakeClock,
    *,
    config: TiergateConfig | None = None,
    interval: float = INTERVAL,
    timing: LeaseTiming = TIMING,
    after_pass: AfterPassFactory | None = None,
    flags: Sequence[str] = (),
    skews: Mapping[str, timedelta] | None = None,
) -> AsyncIterator[Start]:
    """`start(identity)` starts a replica (`flags` are its command line; its wall clock
    `skews[identity]` off the server's); all are stopped at the end. Every replica
    keeps the reports of its complete passes."""
    config = config or default_config()
    server.date.now = clock.wall
    async with AsyncExitStack() as stack:
        started: list[Replica] = []

        async def start(identity: str) -> Replica:
            settings = parse_settings(
                ["--interval", f"{interval}s", "--page-size", "50", *flags],
                environ={"POD_NAME": identity, "POD_NAMESPACE": OWN},
            )
            registry = CollectorRegistry()
            metrics = create_metrics(registry, interval_seconds=interval)
            api = await KubeApi.connect(
                retry=RetryPolicy(attempts=1),
                kubeconfig=str(server.kubeconfig),
                on_error=metrics.count_api_error,
                monotonic=clock.monotonic,
            )
            await stack.enter_async_context(api)
            own = SkewedClock(clock, skew=(skews or {}).get(identity, timedelta(0)))
            elector = election.elector(api, identity=identity, clock=own, timing=timing)
            wiring = Wiring(settings, config, api, elector, own, registry)
            hook = after_pass(wiring) if after_pass is not None else None
            reports: list[AuditReport] = []

            async def recorded(report: AuditReport) -> None:
                reports.append(report)
                if hook is not None:
                    await hook(report)

            service = wired_service(
                wiring, metrics=metrics, after_pass=recorded, jitter=lambda: 0.0
            )
            stop = asyncio.Event()
            task = asyncio.create_task(service.run(stop=stop))
            replica = Replica(identity, elector, service, registry, stop, task, reports)
            started.append(replica)
            return replica

        try:
            yield lambda identity: asyncio.ensure_future(start(identity))
        finally:
            for replica in started:
                await replica.stopped()


async def leader_and_follower(start: Start) -> tuple[Replica, Replica]:
    """Two replicas: the first has made its first pass as leader, the second follows."""
    leader = await start("auditor-a")
    await eventually(lambda: leader.passes() == 1)
    follower = await start("auditor-b")
    await eventually(lambda: follower.service.readiness.missing() == [])
    return leader, follower
