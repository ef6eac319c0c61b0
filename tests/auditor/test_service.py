"""The auditor service: two replicas against the fake API server, on a clock the tests move.

The clock is never advanced to reach a pass or a re-audit the tests expect, so what
happens without it happens without waiting for the interval; `eventually` only waits
for the replicas' real HTTP round trips to the fake server.
"""

import pytest

from auditor import metric_names as names
from tests.auditor.election import TIMING
from tests.auditor.fake_clock import FakeClock
from tests.auditor.replicas import (
    INTERVAL,
    drifting_tenants,
    eventually,
    leader_and_follower,
    lease_holder,
    refuse_renewals,
    replicas,
    step,
)
from tests.builders import namespace
from tests.fakeapi import FakeApiServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cluster(fake_api: FakeApiServer) -> FakeApiServer:
    return drifting_tenants(fake_api, "customer-s1", "customer-s2")


async def test_of_two_replicas_only_the_leader_passes_and_exports_drift(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with replicas(cluster, clock) as start:
        leader, follower = await leader_and_follower(start)
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
    async with replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.passes() == 1)
        await step(clock, seconds=INTERVAL - TIMING.retry_seconds, sleepers=2)
        assert leader.passes() == 1
        clock.advance(TIMING.retry_seconds)
        await eventually(lambda: leader.passes() == 2)
        assert len(leader.reports) == 2


async def test_a_relabelled_namespace_loses_its_drift_series_without_waiting_for_the_interval(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with replicas(cluster, clock) as start:
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
    async with replicas(cluster, clock) as start:
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
    async with replicas(cluster, clock) as start:
        leader, follower = await leader_and_follower(start)
        await leader.stopped()
        assert leader.passes("abandoned") == 0
        assert lease_holder(cluster) is None
        assert leader.sample(names.LEADER) == 0
        # The follower's next try (within its jittered retry period) takes the free Lease.
        clock.advance(TIMING.retry_seconds * 2.2)
        await eventually(lambda: follower.drift("customer-s1") == 1)
        assert lease_holder(cluster) == "auditor-b"
        assert follower.sample(names.LEADER) == 1


async def test_a_leader_whose_renewals_are_refused_is_replaced_and_never_overlaps(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with replicas(cluster, clock) as start:
        leader, follower = await leader_and_follower(start)
        refuse_renewals(cluster, identity="auditor-a")
        for _ in range(int(TIMING.lease_seconds * 2)):
            clock.advance(1)
            await clock.asleep(4)
            assert not (leader.elector.is_leader() and follower.elector.is_leader())
        await eventually(lambda: follower.drift("customer-s1") == 1)
        assert leader.drift("customer-s1") is None
        assert leader.sample(names.LEADER) == 0
        assert leader.sample(names.API_ERRORS, {"code": "503"}) >= 1  # type: ignore[operator]
        assert lease_holder(cluster) == "auditor-b"


async def test_an_incomplete_pass_keeps_the_last_complete_drift_and_is_not_handed_on(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.passes() == 1)
        cluster.fail(verb="list", resource="services", status=403, times=10**6)
        await step(clock, seconds=INTERVAL, sleepers=2)
        await eventually(lambda: leader.passes("incomplete") == 1)
        assert leader.drift("customer-s1") == 1
        assert len(leader.reports) == 1
        assert leader.sample(names.API_ERRORS, {"code": "403"}) == 1


async def test_a_relabel_made_while_the_watch_was_down_is_found_by_the_next_list(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    cluster.fail(verb="watch", resource="namespaces", drop=True)
    async with replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.drift("customer-s1") == 1)
        await clock.asleep(3)  # the Lease loop, the pass loop, and the watch waiting to retry
        cluster.seed(namespace("customer-s1", **{"monitoring.dedicated": "true"}))
        clock.advance(1)
        await eventually(lambda: leader.drift("customer-s1") is None)
        assert leader.passes() == 1
        lists = cluster.faults.requests_for(verb="list", resource="namespaces")
        assert len([r for r in lists if "limit" not in r.query]) == 2, "the watch listed again"
