"""Remediation in the continuous auditor: the service's passes with `remediation_after_pass`.

Replicas run against the fake API server on a clock the tests move a retry period at
a time (a one-minute retry period, passes every five minutes, a 30-minute grace), so
the grace period passes across real passes of the loop without anyone waiting for it.
"""

import json
import logging
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import pytest

from auditor import metric_names as names
from auditor.leadership import LeaseTiming
from auditor.remediation.hook import remediation_after_pass
from auditor.remediation.remediator import NO_SERVER_TIME
from auditor.remediation.state_store import STATE_NAME
from tests.auditor.drifted import (
    OWN,
    REMOVED,
    WRITES,
    config_with_exemption,
    drifted_cluster,
    missing_survivors,
    removals,
    writes,
)
from tests.auditor.fake_clock import START, FakeClock
from tests.auditor.replicas import (
    SLEEPERS,
    Replica,
    Start,
    eventually,
    leader_and_follower,
    lease_holder,
    refuse_renewals,
    replicas,
    step,
)
from tests.fakeapi import FakeApiServer

RETRY = LeaseTiming.from_retry_period(60.0)  # a 6-minute Lease, renewed every minute
INTERVAL = 300.0
GRACE = 1800.0
Flags = tuple[str, ...]
APPLY = ("--remediate", "apply", "--grace", "30m")
OFF = ("--remediate", "off", "--grace", "30m")
RULE = "mosquitto-exporter"
# What apply removes, by namespace, all first seen on the first pass (epoch seconds).
SEEN_FIRST = int(START.timestamp())
FIRST_SEEN = {"customer-s1": [SEEN_FIRST] * 3, "customer-s3": [SEEN_FIRST]}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cluster(fake_api: FakeApiServer) -> FakeApiServer:
    fake_api.enable_monitors()
    fake_api.seed(*drifted_cluster())
    return fake_api


def _remediating(
    server: FakeApiServer,
    clock: FakeClock,
    *,
    flags: Flags = APPLY,
    skews: Mapping[str, timedelta] | None = None,
) -> AbstractAsyncContextManager[Start]:
    """Replicas with remediation after each pass, as `auditor.continuous` installs it
    (their wall clocks `skews` off the API server's)."""
    return replicas(
        server,
        clock,
        config=config_with_exemption(),
        interval=INTERVAL,
        timing=RETRY,
        after_pass=remediation_after_pass,
        flags=flags,
        skews=skews,
    )


async def _until(clock: FakeClock, moment: float, *, sleepers: int) -> None:
    """Move the clock on to `moment` seconds after the start."""
    await step(clock, seconds=moment - clock.monotonic(), sleepers=sleepers, timing=RETRY)


def _first_seen(server: FakeApiServer) -> dict[str, list[int]]:
    """The first-seen times in the state ConfigMap, by namespace."""
    data = server.get("configmaps", name=STATE_NAME, namespace=OWN)["data"]
    seen: dict[str, dict[str, int]] = json.loads(data["first-seen"])
    return {namespace: sorted(times.values()) for namespace, times in seen.items()}


def _done(replica: Replica) -> float | None:
    labels = {"rule": RULE, "action": "delete", "result": "done", "mode": "apply"}
    return replica.sample(names.REMEDIATIONS, labels)


def _remediations(replica: Replica) -> float:
    """Every remediation the replica counted, whatever its labels."""
    return sum(
        sample.value
        for family in replica.registry.collect()
        for sample in family.samples
        if sample.name == names.REMEDIATIONS
    )


def _pending(replica: Replica) -> float | None:
    return replica.sample(names.GRACE_PENDING, {"rule": RULE})


async def _first_pass(start: Start, clock: FakeClock) -> Replica:
    """A replica whose first pass, and the remediation round after it, are done."""
    replica = await start("auditor-a")
    await eventually(lambda: replica.passes() == 1)
    await clock.asleep(SLEEPERS)
    return replica


async def _two(start: Start, clock: FakeClock) -> tuple[Replica, Replica]:
    """A leader whose first remediation round is done, and a follower."""
    leader, follower = await leader_and_follower(start)
    await clock.asleep(2 * SLEEPERS)
    return leader, follower


async def test_apply_touches_nothing_within_the_grace_period_and_removes_the_stack_after_it(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _remediating(cluster, clock) as start:
        leader = await _first_pass(start, clock)
        await _until(clock, GRACE - RETRY.retry_seconds, sleepers=SLEEPERS)
        assert leader.passes() == 6, "passes at 0, 5, ... 25 minutes"
        assert writes(cluster) == []
        assert _pending(leader) == 2
        await _until(clock, GRACE, sleepers=SLEEPERS)
        assert leader.passes() == 7
        assert removals(cluster) == REMOVED
        assert missing_survivors(cluster) == []
        assert _done(leader) == 4
        assert _pending(leader) == 0
        await _until(clock, GRACE + INTERVAL, sleepers=SLEEPERS)
        assert removals(cluster) == REMOVED, "nothing more to do on the next pass"


async def test_off_records_first_seen_times_and_writes_nothing_else_even_after_the_grace(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _remediating(cluster, clock, flags=OFF) as start:
        leader = await _first_pass(start, clock)
        await _until(clock, GRACE + INTERVAL, sleepers=SLEEPERS)
        assert leader.passes() == 8
        assert writes(cluster) == [], "no patch or delete of a workload, no Event"
        state_writes = [r for r in cluster.requests if r.verb in WRITES and r.resource != "leases"]
        assert {(r.resource, r.namespace) for r in state_writes} == {("configmaps", OWN)}
        assert _first_seen(cluster) == FIRST_SEEN
        assert _pending(leader) == 0, "past the grace"
        assert _remediations(leader) == 0
    assert missing_survivors(cluster) == []


async def test_a_replica_restarted_with_apply_acts_when_the_grace_has_passed_since_first_seen(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _remediating(cluster, clock, flags=OFF) as start:
        await _first_pass(start, clock)
        await _until(clock, 20 * 60, sleepers=SLEEPERS)
    assert lease_holder(cluster) is None, "released on stop"
    async with _remediating(cluster, clock) as start:
        restarted = await _first_pass(start, clock)
        assert writes(cluster) == [], "10 minutes of grace are left"
        await _until(clock, GRACE - RETRY.retry_seconds, sleepers=SLEEPERS)
        assert writes(cluster) == []
        await _until(clock, GRACE, sleepers=SLEEPERS)
        assert removals(cluster) == REMOVED, "30 minutes after the first sighting, not the restart"
        assert _done(restarted) == 4


async def test_of_two_replicas_only_the_leader_remediates_and_each_object_once(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _remediating(cluster, clock) as start:
        leader, follower = await _two(start, clock)
        await _until(clock, GRACE + INTERVAL, sleepers=2 * SLEEPERS)
        assert removals(cluster) == REMOVED
        assert _done(leader) == 4
        assert follower.passes() == 0
        assert _remediations(follower) == 0
        assert _pending(follower) is None


async def test_after_the_leader_stops_the_other_replica_remediates_without_resetting_grace(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _remediating(cluster, clock) as start:
        leader, follower = await _two(start, clock)
        await _until(clock, 20 * 60, sleepers=2 * SLEEPERS)
        await leader.stopped()  # what SIGTERM does
        while follower.passes() == 0:
            await _until(clock, clock.monotonic() + RETRY.retry_seconds, sleepers=SLEEPERS)
        took_over = clock.monotonic()
        await eventually(lambda: _pending(follower) is not None)  # its round saved the state
        await clock.asleep(SLEEPERS)
        assert lease_holder(cluster) == "auditor-b"
        assert writes(cluster) == []
        assert _first_seen(cluster) == FIRST_SEEN, "not reset"
        await _until(clock, GRACE - RETRY.retry_seconds, sleepers=SLEEPERS)
        assert writes(cluster) == []
        await _until(clock, GRACE + INTERVAL, sleepers=SLEEPERS)
        assert took_over + GRACE > clock.monotonic(), "before a grace from the takeover"
        assert removals(cluster) == REMOVED
        assert (_remediations(leader), _done(follower)) == (0, 4)


async def test_an_incomplete_pass_in_the_loop_acts_on_nothing_even_when_grace_has_passed(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    async with _remediating(cluster, clock) as start:
        leader = await _first_pass(start, clock)
        first = len(cluster.requests)
        fault = cluster.fail(verb="list", resource="statefulsets", status=403, times=10**6)
        await _until(clock, GRACE + INTERVAL, sleepers=SLEEPERS)
        assert (leader.passes(), leader.passes("incomplete")) == (1, 7)
        since = cluster.requests[first:]
        assert [r for r in since if r.resource not in {"leases", "statefulsets"}] != []
        assert [r for r in since if r.verb in WRITES and r.resource != "leases"] == []
        assert [r for r in since if r.resource == "configmaps"] == [], "the state is not read"
        fault.times = fault.hits  # the permission is back
        await _until(clock, GRACE + 2 * INTERVAL, sleepers=SLEEPERS)
        assert leader.passes() == 2
        assert removals(cluster) == REMOVED


def _unreadable_state() -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": STATE_NAME, "namespace": OWN},
        "data": {"first-seen": "not json"},
    }


async def test_a_replica_that_loses_the_lease_stops_exporting_the_breaker_and_pending_stacks(
    cluster: FakeApiServer, clock: FakeClock
) -> None:
    cluster.seed(_unreadable_state())  # opens the breaker on the first round
    async with _remediating(cluster, clock) as start:
        leader, follower = await _two(start, clock)
        assert leader.sample(names.CIRCUIT_BREAKER_OPEN) == 1
        assert _pending(leader) == 2
        refuse_renewals(cluster, identity="auditor-a")
        while follower.passes() == 0:
            await _until(clock, clock.monotonic() + RETRY.retry_seconds, sleepers=2 * SLEEPERS)
            assert not (leader.elector.is_leader() and follower.elector.is_leader())
        await eventually(lambda: follower.sample(names.CIRCUIT_BREAKER_OPEN) == 1)
        assert leader.sample(names.LEADER) == 0
        assert leader.sample(names.CIRCUIT_BREAKER_OPEN) is None, "the old leader's picture"
        assert _pending(leader) is None


@pytest.mark.parametrize("flags", [OFF, APPLY], ids=["off", "apply"])
async def test_a_round_that_cannot_save_its_state_says_why_in_the_log(
    cluster: FakeApiServer, clock: FakeClock, caplog: pytest.LogCaptureFixture, flags: Flags
) -> None:
    cluster.fail(verb="create", resource="configmaps", status=403, times=10**6)
    async with _remediating(cluster, clock, flags=flags) as start:
        await _first_pass(start, clock)
    (stopped,) = [r for r in caplog.records if r.name == "tiergate.auditor.remediation"]
    assert stopped.getMessage() == "remediation stopped"
    reason = str(stopped.__dict__["reason"])
    assert reason.startswith("the remediation state could not be saved")
    assert 'cannot create resource "configmaps"' in reason


async def test_off_logs_no_warning_for_being_off(
    cluster: FakeApiServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with _remediating(cluster, clock, flags=OFF) as start:
        await _first_pass(start, clock)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


SKEWED = [(-20, 20), (20, -20)]  # minutes the two replicas' wall clocks are off the server's


@pytest.mark.parametrize(
    ("first", "second"), SKEWED, ids=["behind-then-ahead", "ahead-then-behind"]
)
async def test_replicas_with_skewed_clocks_remediate_after_exactly_the_grace_across_a_failover(
    cluster: FakeApiServer, clock: FakeClock, first: int, second: int
) -> None:
    skews = {"auditor-a": timedelta(minutes=first), "auditor-b": timedelta(minutes=second)}
    async with _remediating(cluster, clock, skews=skews) as start:
        leader, follower = await _two(start, clock)
        assert _first_seen(cluster) == FIRST_SEEN, "the server's time, not the leader's"
        await _until(clock, 20 * 60, sleepers=2 * SLEEPERS)
        await leader.stopped()
        while follower.passes() == 0:
            await _until(clock, clock.monotonic() + RETRY.retry_seconds, sleepers=SLEEPERS)
        await eventually(lambda: _pending(follower) is not None)
        await clock.asleep(SLEEPERS)
        assert _first_seen(cluster) == FIRST_SEEN, "not moved by the new leader's clock"
        await _until(clock, GRACE - RETRY.retry_seconds, sleepers=SLEEPERS)
        assert writes(cluster) == [], "within the grace on the server's clock"
        await _until(clock, GRACE + INTERVAL, sleepers=SLEEPERS)
        assert removals(cluster) == REMOVED, "at the first pass after the grace"
        assert _done(follower) == 4


@pytest.mark.parametrize(("omit", "text"), [(True, None), (False, "soon")], ids=["none", "garbled"])
async def test_without_a_usable_date_header_the_loop_records_and_removes_nothing_and_says_why(
    cluster: FakeApiServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    omit: bool,
    text: str | None,
) -> None:
    cluster.date.omit, cluster.date.text = omit, text
    async with _remediating(cluster, clock) as start:
        leader = await _first_pass(start, clock)
        await _until(clock, GRACE + INTERVAL, sleepers=SLEEPERS)
        assert leader.passes() == 8
    assert [r for r in cluster.requests if r.verb in WRITES and r.resource != "leases"] == []
    reasons = {
        str(r.__dict__["reason"])
        for r in caplog.records
        if r.name == "tiergate.auditor.remediation" and r.getMessage() == "remediation stopped"
    }
    assert reasons == {NO_SERVER_TIME}
