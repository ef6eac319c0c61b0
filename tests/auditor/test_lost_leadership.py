"""A replica that loses the Lease in the middle of its work stops that work at once.

The work is held up by a page the fake API server never answers in time, so only
cancellation can end it: the pass (or the remediation round after it) is abandoned
once, its listing closed, nothing of it exported or written, and the next
leadership starts with a fresh full pass. The clock only moves the Lease on.
"""

from typing import Any

import pytest

from auditor import metric_names as names
from auditor.remediation.hook import remediation_after_pass
from tests.auditor.drifted import (
    REMOVED,
    config_with_exemption,
    drifted_cluster,
    removals,
    writes,
)
from tests.auditor.election import LEASE, OWN, TIMING
from tests.auditor.fake_clock import FakeClock
from tests.auditor.replicas import (
    INTERVAL,
    SLEEPERS,
    Replica,
    drifting_tenants,
    eventually,
    leader_and_follower,
    lease_holder,
    refuse_renewals,
    replicas,
    step,
)
from tests.fakeapi import FakeApiServer
from tests.fakeapi.faults import Fault

NEVER_SECONDS = 3600.0  # a page that only cancellation ends before the test's own timeout
TAKEOVER_STEPS = 60  # retry periods: far more than a renew deadline plus a lease duration


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cluster(fake_api: FakeApiServer) -> FakeApiServer:
    return drifting_tenants(fake_api, "customer-s1")


def _drift(replica: Replica) -> float | None:
    """The unwanted exporter Deployment in customer-s1 (in both clusters of these tests)."""
    return replica.drift("customer-s1")


async def _second_pass_stuck(cluster: FakeApiServer, *, clock: FakeClock, sleepers: int) -> Fault:
    """Move on to the leader's second pass and leave it waiting for the Deployments page."""
    slow = cluster.fail(verb="list", resource="deployments", delay=NEVER_SECONDS)
    await step(clock, seconds=INTERVAL - TIMING.retry_seconds, sleepers=sleepers)
    clock.advance(TIMING.retry_seconds)
    await eventually(lambda: slow.hits == 1)
    return slow


def _remediating(server: FakeApiServer, clock: FakeClock) -> Any:
    """Replicas over the drifted cluster that remove what is unwanted at once."""
    server.enable_monitors()
    server.seed(*drifted_cluster())
    return replicas(
        server,
        clock,
        config=config_with_exemption(),
        after_pass=remediation_after_pass,
        flags=("--remediate", "apply", "--grace", "0s"),
    )


def _ghost_lease() -> dict[str, Any]:
    """The Lease as another replica (not running here) writes it when it takes over."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": LEASE, "namespace": OWN},
        "spec": {"holderIdentity": "auditor-z", "leaseDurationSeconds": 12},
    }


async def test_a_pass_stuck_on_a_slow_page_is_abandoned_once_when_the_follower_takes_the_lease(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with replicas(cluster, clock) as start:
        leader, follower = await leader_and_follower(start)
        await clock.asleep(2 * SLEEPERS)
        slow = await _second_pass_stuck(cluster, clock=clock, sleepers=2 * SLEEPERS)
        refuse_renewals(cluster, identity="auditor-a")
        for _ in range(TAKEOVER_STEPS):
            if follower.passes() == 1:
                break
            clock.advance(TIMING.retry_seconds)
            await clock.asleep(2 * SLEEPERS - 1)  # the leader's pass loop may still be stuck
            assert not (leader.elector.is_leader() and follower.elector.is_leader())
        assert lease_holder(cluster) == "auditor-b"
        await eventually(lambda: slow.hung_up == 1)  # the page asked for was called off
        assert (leader.passes("abandoned"), leader.passes()) == (1, 1)
        assert len(leader.reports) == 1, "the abandoned pass never reached the hook"
        assert (_drift(leader), leader.sample(names.LAST_COMPLETE_PASS)) == (None, None)
        assert _drift(follower) == 1
        await step(clock, seconds=INTERVAL, sleepers=2 * SLEEPERS)
        assert leader.passes("abandoned") == 1, "counted once, following since"
        assert follower.passes() == 2

        cluster.faults.clear()  # the old leader's renewals go through again
        await follower.stopped()
        clock.advance(TIMING.retry_seconds * 2.2)  # its next try takes the free Lease
        await eventually(lambda: leader.passes() == 2)
        assert lease_holder(cluster) == "auditor-a"
        assert _drift(leader) == 1, "a fresh full pass, exported"
        assert len(leader.reports) == 2
        assert leader.passes("abandoned") == 1


async def test_a_remediation_round_is_called_off_when_another_replica_takes_the_lease(
    fake_api: FakeApiServer, clock: FakeClock
) -> None:
    # The round's first read of the remediation state never comes back in time.
    slow = fake_api.fail(verb="get", resource="configmaps", delay=NEVER_SECONDS)
    async with _remediating(fake_api, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: slow.hits == 1)
        assert (leader.passes(), _drift(leader)) == (1, 1)
        await clock.asleep(1)  # the Lease loop; the pass loop waits for the round
        fake_api.seed(_ghost_lease())
        clock.advance(TIMING.retry_seconds)
        await eventually(lambda: slow.hung_up == 1)
        await clock.asleep(SLEEPERS)
        assert leader.sample(names.LEADER) == 0
        assert writes(fake_api) == [], "nothing written once the Lease was lost"
        assert (leader.passes(), leader.passes("abandoned")) == (1, 0), "the pass was complete"
        assert _drift(leader) is None

        for _ in range(TAKEOVER_STEPS):  # the other replica's Lease runs out unrenewed
            if leader.passes() == 2:
                break
            clock.advance(TIMING.retry_seconds)
            await clock.asleep(SLEEPERS)
        assert lease_holder(fake_api) == "auditor-a"
        assert _drift(leader) == 1, "a fresh full pass, exported"
        assert removals(fake_api) == REMOVED, "and the round after it, in full"


async def test_a_stop_during_a_stuck_pass_abandons_it_releases_the_lease_and_returns(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with replicas(cluster, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: leader.passes() == 1)
        await clock.asleep(SLEEPERS)
        slow = await _second_pass_stuck(cluster, clock=clock, sleepers=SLEEPERS)
        await leader.stopped()  # what SIGTERM does; raises if the service failed
        assert not leader.task.cancelled()
        assert (leader.passes("abandoned"), leader.passes()) == (1, 1)
        assert lease_holder(cluster) is None, "released"
        await eventually(lambda: slow.hung_up == 1)


async def test_a_write_already_sent_when_the_lease_is_lost_is_waited_for_and_traced(
    fake_api: FakeApiServer, clock: FakeClock
) -> None:
    # The first removal is carried out at once and answered late: the Lease goes meanwhile.
    late = fake_api.fail(verb="delete", answer_delay=1.0)
    async with _remediating(fake_api, clock) as start:
        leader = await start("auditor-a")
        await eventually(lambda: late.hits == 1)
        fake_api.seed(_ghost_lease())
        clock.advance(TIMING.retry_seconds)
        await eventually(lambda: leader.sample(names.LEADER) == 0)
        await eventually(lambda: _events(fake_api) != [])
        await clock.asleep(SLEEPERS)
        first = REMOVED[:1]
        assert removals(fake_api) == first, "no write after the one already sent"
        assert late.hung_up == 0, "its answer was waited for"
        assert _events(fake_api) == [first[0][2]], "and the removal traced by its Event"
        done = {"rule": "mosquitto-exporter", "action": "delete", "result": "done", "mode": "apply"}
        assert leader.sample(names.REMEDIATIONS, done) == 1


def _events(server: FakeApiServer) -> list[str]:
    """The objects named by the Events the auditor posted."""
    return [
        str((r.body or {}).get("regarding", {}).get("name"))
        for r in server.requests
        if r.resource == "events" and r.verb == "create"
    ]
