"""Grace on the API server's clock: replicas whose wall clocks are off still wait it out.

The fake API server's Date follows the test's clock (the true time); each replica's
wall clock is skewed from it (`SkewedClock`). First-seen times and the end of grace
must come from the server's Date, so no skew shortens (or stretches) the grace.
"""

import json
from datetime import timedelta

import pytest

from auditor.remediation.remediator import NO_SERVER_TIME
from auditor.remediation.state_store import STATE_NAME
from tests.auditor.drifted import (
    OWN,
    audit_and_remediate,
    connect,
    exporter_stack,
    removals,
    starter,
)
from tests.auditor.fake_clock import START, FakeClock, SkewedClock
from tests.fakeapi import FakeApiServer
from tiergate.config import default_config
from tiergate.remediation_report import ActionResult

GRACE = 1800.0
MINUTES_20 = timedelta(minutes=20)
STAMP = int(START.timestamp())


@pytest.fixture
def drifted(fake_api: FakeApiServer) -> FakeApiServer:
    """One starter tenant running the exporter (Deployment, ReplicaSet, Pod, Service)."""
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1")[:4])
    return fake_api


def _first_seen(server: FakeApiServer) -> set[int]:
    data = server.get("configmaps", name=STATE_NAME, namespace=OWN)["data"]
    times: dict[str, dict[str, int]] = json.loads(data["first-seen"])
    return {stamp for by_uid in times.values() for stamp in by_uid.values()}


@pytest.mark.parametrize("skew", [-MINUTES_20, MINUTES_20], ids=["behind", "ahead"])
async def test_first_seen_times_are_the_servers_time_whatever_the_replicas_clock(
    drifted: FakeApiServer, skew: timedelta
) -> None:
    clock = FakeClock()
    async with await connect(drifted, clock=clock) as api:
        section = await audit_and_remediate(
            api, clock=SkewedClock(clock, skew=skew), config=default_config(), grace=GRACE
        )
    assert section.actions == []
    assert {(p.first_seen, p.due) for p in section.pending} == {
        (START.isoformat(), (START + timedelta(seconds=GRACE)).isoformat())
    }
    assert _first_seen(drifted) == {STAMP}


@pytest.mark.parametrize(
    ("recorder", "judge"),
    [(-MINUTES_20, MINUTES_20), (MINUTES_20, -MINUTES_20), (timedelta(0), MINUTES_20)],
    ids=["behind-then-ahead", "ahead-then-behind", "right-then-ahead"],
)
async def test_a_replica_that_takes_over_acts_exactly_when_the_grace_has_passed(
    drifted: FakeApiServer, recorder: timedelta, judge: timedelta
) -> None:
    clock, config = FakeClock(), default_config()
    async with (
        await connect(drifted, clock=clock) as first,
        await connect(drifted, clock=clock) as second,
    ):
        await audit_and_remediate(
            first, clock=SkewedClock(clock, skew=recorder), config=config, grace=GRACE
        )
        judging = SkewedClock(clock, skew=judge)
        clock.advance(GRACE - 1)
        early = await audit_and_remediate(
            second, clock=judging, config=config, grace=GRACE, identity="auditor-1"
        )
        assert (early.actions, removals(drifted)) == ([], [])
        clock.advance(1)
        due = await audit_and_remediate(
            second, clock=judging, config=config, grace=GRACE, identity="auditor-1"
        )
    assert {a.result for a in due.actions} == {ActionResult.DONE}
    assert ("deployments", "customer-s1", "s1-mosquitto-exporter") in removals(drifted)


@pytest.mark.parametrize(("omit", "text"), [(True, None), (False, "soon")], ids=["none", "garbled"])
async def test_without_a_usable_date_header_nothing_is_recorded_or_remediated(
    drifted: FakeApiServer, omit: bool, text: str | None
) -> None:
    drifted.date.omit, drifted.date.text = omit, text
    clock = FakeClock()
    async with await connect(drifted, clock=clock) as api:
        section = await audit_and_remediate(api, clock=clock, config=default_config(), grace=0)
    assert section.blocked == NO_SERVER_TIME
    assert [r for r in drifted.requests if r.resource == "configmaps" and r.verb != "get"] == []
    assert removals(drifted) == []


async def test_a_date_header_lost_later_leaves_grace_on_the_servers_clock(
    drifted: FakeApiServer,
) -> None:
    clock, config = FakeClock(), default_config()
    replica = SkewedClock(clock, skew=-MINUTES_20)
    async with await connect(drifted, clock=clock) as api:
        await audit_and_remediate(api, clock=replica, config=config, grace=GRACE)
        drifted.date.omit = True  # the last reading, moved on by monotonic time, still holds
        clock.advance(GRACE - 1)
        early = await audit_and_remediate(api, clock=replica, config=config, grace=GRACE)
        clock.advance(1)
        due = await audit_and_remediate(api, clock=replica, config=config, grace=GRACE)
    assert early.actions == []
    assert {a.result for a in due.actions} == {ActionResult.DONE}


async def test_a_first_seen_time_ahead_of_the_server_counts_from_the_servers_now(
    drifted: FakeApiServer,
) -> None:
    clock, config = FakeClock(), default_config()
    day = timedelta(days=1)
    ahead = SkewedClock(clock, skew=day)  # agrees with the time the server wrongly had
    async with await connect(drifted, clock=clock) as api:
        drifted.date.offset = day  # the server's clock was a day ahead, then put right
        await audit_and_remediate(api, clock=ahead, config=config, grace=GRACE)
        assert _first_seen(drifted) == {STAMP + int(day.total_seconds())}
        drifted.date.offset = timedelta(0)
        section = await audit_and_remediate(api, clock=ahead, config=config, grace=GRACE)
    assert {p.first_seen for p in section.pending} == {START.isoformat()}
    assert _first_seen(drifted) == {STAMP}
