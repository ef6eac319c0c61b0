"""The auditor service: two replicas against the fake API server, on a clock the tests move.

The clock is never advanced to reach a pass or a re-audit the tests expect, so what
happens without it happens without waiting for the interval; `eventually` only waits
for the replicas' real HTTP round trips to the fake server.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import pytest
from prometheus_client import CollectorRegistry

from auditor import metric_names as names
from auditor.leadership import LeaseElector
from auditor.metrics import create_metrics
from auditor.service import AuditorService
from tests.auditor import election
from tests.auditor.election import LEASE, OWN, TIMING
from tests.auditor.fake_clock import FakeClock
from tests.builders import EXPORTER_IMAGE, container, deployment, namespace
from tests.fakeapi import FakeApiServer
from tiergate.config import default_config
from tiergate.findings import AuditReport
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy

INTERVAL = 60.0
ROUND_TRIPS_SECONDS = 30.0  # how long HTTP to the fake server may take on a busy machine


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


async def _step(clock: FakeClock, *, seconds: float, sleepers: int) -> None:
    """Move time on a retry period at a time, letting the replicas' loops (`sleepers` of
    them) take each step, as real time would."""
    for _ in range(round(seconds / TIMING.retry_seconds)):
        clock.advance(TIMING.retry_seconds)
        await clock.asleep(sleepers)


def _lease_holder(server: FakeApiServer) -> str | None:
    lease = server.get("leases", name=LEASE, namespace=OWN, group="coordination.k8s.io")
    holder: str | None = lease["spec"].get("holderIdentity")
    return holder


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cluster(fake_api: FakeApiServer) -> FakeApiServer:
    exporter = container("exporter", EXPORTER_IMAGE)
    fake_api.seed(
        namespace(OWN),
        namespace("customer-s1", tier="starter"),
        namespace("customer-s2", tier="starter"),
        deployment("tenant-mosquitto-exporter", "customer-s1", exporter),
        deployment("tenant-mosquitto-exporter", "customer-s2", exporter),
    )
    return fake_api


@asynccontextmanager
async def _replicas(
    server: FakeApiServer, clock: FakeClock
) -> AsyncIterator[Callable[[str], "asyncio.Future[Replica]"]]:
    async with AsyncExitStack() as stack:
        started: list[Replica] = []

        async def start(identity: str) -> Replica:
            registry = CollectorRegistry()
            metrics = create_metrics(registry, interval_seconds=INTERVAL)
            api = await KubeApi.connect(
                retry=RetryPolicy(attempts=1),
                kubeconfig=str(server.kubeconfig),
                on_error=metrics.count_api_error,
            )
            await stack.enter_async_context(api)
            elector = election.elector(api, identity=identity, clock=clock)
            reports: list[AuditReport] = []

            async def after_pass(report: AuditReport) -> None:
                reports.append(report)

            service = AuditorService(
                api,
                config=default_config(),
                clock=clock,
                elector=elector,
                metrics=metrics,
                own_namespace=OWN,
                interval_seconds=INTERVAL,
                page_size=50,
                after_pass=after_pass,
                jitter=lambda: 0.0,
            )
            elector.on_change = service.leadership_changed
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


async def _leader_and_follower(
    start: Callable[[str], "asyncio.Future[Replica]"],
) -> tuple[Replica, Replica]:
    leader = await start("auditor-a")
    await eventually(lambda: leader.passes() == 1)
    follower = await start("auditor-b")
    await eventually(lambda: follower.service.readiness.missing() == [])
    return leader, follower


async def test_of_two_replicas_only_the_leader_passes_and_exports_drift(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader, follower = await _leader_and_follower(start)
        assert (leader.drift("customer-s1"), leader.drift("customer-s2")) == (1, 1)
        assert follower.drift("customer-s1") is None
        assert follower.sample(names.LAST_COMPLETE_PASS) is None
        assert (leader.sample(names.LEADER), follower.sample(names.LEADER)) == (1, 0)
        assert follower.passes() == 0
        assert leader.service.readiness.missing() == []
        assert [r.summary.counts.unwanted for r in leader.reports] == [2]
        assert not follower.reports


async def test_a_pass_runs_again_only_when_the_interval_has_passed(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.passes() == 1)
        await _step(clock, seconds=INTERVAL - TIMING.retry_seconds, sleepers=2)
        assert leader.passes() == 1
        clock.advance(TIMING.retry_seconds)
        await eventually(lambda: leader.passes() == 2)
        assert len(leader.reports) == 2


async def test_a_relabelled_namespace_loses_its_drift_series_without_waiting_for_the_interval(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.drift("customer-s1") == 1)
        cluster.seed(namespace("customer-s1", **{"monitoring.dedicated": "true"}))
        await eventually(lambda: leader.drift("customer-s1") is None)
        assert leader.drift("customer-s2") == 1, "only the relabelled namespace changed"
        assert (
            leader.sample(
                names.DRIFT_OBJECTS,
                {"rule": "mosquitto-exporter", "drift": "unwanted", "dormant": "false"},
            )
            == 1
        )
        assert leader.passes() == 1, "a re-audit of one namespace, not a full pass"
        assert clock.monotonic() == 0
        scoped = cluster.faults.requests_for(verb="list", resource="deployments")
        assert any(r.namespace == "customer-s1" for r in scoped)


async def test_a_label_no_rule_reads_does_not_trigger_a_re_audit(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.passes() == 1)
        cluster.seed(namespace("customer-s1", tier="starter", team="blue"))
        cluster.seed(namespace("customer-s2", **{"monitoring.dedicated": "true"}))
        await eventually(lambda: leader.drift("customer-s2") is None)
        lists = cluster.faults.requests_for(verb="list", resource="deployments")
        assert not any(r.namespace == "customer-s1" for r in lists)


async def test_a_stopped_leader_releases_the_lease_and_the_follower_takes_over_at_once(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader, follower = await _leader_and_follower(start)
        await leader.stopped()
        assert leader.passes("abandoned") == 0
        assert _lease_holder(cluster) is None
        assert leader.sample(names.LEADER) == 0
        # The follower's next try (within its jittered retry period) takes the free Lease.
        clock.advance(TIMING.retry_seconds * 2.2)
        await eventually(lambda: follower.drift("customer-s1") == 1)
        assert _lease_holder(cluster) == "auditor-b"
        assert follower.sample(names.LEADER) == 1


async def test_a_leader_whose_renewals_are_refused_is_replaced_and_never_overlaps(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader, follower = await _leader_and_follower(start)
        cluster.fail(
            verb="update",
            resource="leases",
            status=503,
            times=10**6,
            where=lambda r: r.body["spec"].get("holderIdentity") == "auditor-a",
        )
        for _ in range(int(TIMING.lease_seconds * 2)):
            clock.advance(1)
            await clock.asleep(4)
            assert not (leader.elector.is_leader() and follower.elector.is_leader())
        await eventually(lambda: follower.drift("customer-s1") == 1)
        assert leader.drift("customer-s1") is None
        assert leader.sample(names.LEADER) == 0
        assert leader.sample(names.API_ERRORS, {"code": "503"}) >= 1  # type: ignore[operator]
        assert _lease_holder(cluster) == "auditor-b"


async def test_an_incomplete_pass_keeps_the_last_complete_drift_and_is_not_handed_on(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.passes() == 1)
        cluster.fail(verb="list", resource="services", status=403, times=10**6)
        await _step(clock, seconds=INTERVAL, sleepers=2)
        await eventually(lambda: leader.passes("incomplete") == 1)
        assert leader.drift("customer-s1") == 1
        assert len(leader.reports) == 1
        assert leader.sample(names.API_ERRORS, {"code": "403"}) == 1


async def test_a_relabel_made_while_the_watch_was_down_is_found_by_the_next_list(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    cluster.fail(verb="watch", resource="namespaces", drop=True)
    async with _replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.drift("customer-s1") == 1)
        await clock.asleep(3)  # the Lease loop, the pass loop, and the watch waiting to retry
        cluster.seed(namespace("customer-s1", **{"monitoring.dedicated": "true"}))
        clock.advance(1)
        await eventually(lambda: leader.drift("customer-s1") is None)
        assert leader.passes() == 1
        lists = cluster.faults.requests_for(verb="list", resource="namespaces")
        assert len([r for r in lists if "limit" not in r.query]) == 2, "the watch listed again"
