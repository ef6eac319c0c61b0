"""`--once --remediate` judges another holder's Lease on the API server's clock.

A single run cannot watch the Lease for a whole duration as the continuous
replicas do: it compares the holder's renewTime, which holders write on the
server's clock, with the server's time (the fake server's Date follows the test's
clock). Neither the run's clock nor the holder's, ahead or behind, decides; without
a Date a held Lease is not taken, and the refusal says why.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from auditor.leadership import LeaseElector, micro_time
from auditor.remediation.once import LeaseHeldError, remediate_once
from auditor.remediation.remediator import NO_SERVER_TIME
from tests.auditor import election
from tests.auditor.drifted import (
    OWN,
    audit_once,
    connect,
    exporter_stack,
    remediation_settings,
    removals,
    starter,
)
from tests.auditor.election import LEASE, TIMING
from tests.auditor.fake_clock import FakeClock, SkewedClock
from tests.auditor.replicas import lease_holder
from tests.fakeapi import FakeApiServer
from tiergate.config import default_config
from tiergate.findings import AuditReport
from tiergate.remediation_report import ActionResult
from tiergate_edge.kube_api import KubeApi

AHEAD = timedelta(minutes=20)
BEHIND = -AHEAD
RIGHT = timedelta(0)
EXPORTER = ("deployments", "customer-s1", "s1-mosquitto-exporter")
HELD = "another auditor holds the Lease tiergate-system/tiergate-auditor and remediates"
UNKNOWN = "the API server's time is unknown (its responses carry no usable Date header)"


@pytest.fixture
def drifted(fake_api: FakeApiServer) -> FakeApiServer:
    """One starter tenant running the exporter (Deployment, ReplicaSet, Pod, Service)."""
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1")[:4])
    return fake_api


async def _once(api: KubeApi, *, clock: SkewedClock) -> AuditReport:
    """`auditor --once --remediate apply --grace 0` on a replica with `clock`."""
    config = default_config()
    return await remediate_once(
        api,
        audit_pass=lambda: audit_once(api, config=config, clock=clock),
        config=config,
        settings=remediation_settings(),
        clock=clock,
        lease_name=LEASE,
        timing=TIMING,
    )


@asynccontextmanager
async def _sessions(
    server: FakeApiServer, *, clock: FakeClock
) -> AsyncIterator[tuple[KubeApi, KubeApi]]:
    """An API session for the Lease's holder and one for the single run: one server clock."""
    async with (
        await connect(server, clock=clock) as holder_api,
        await connect(server, clock=clock) as run_api,
    ):
        yield holder_api, run_api


def _holder(api: KubeApi, *, clock: FakeClock, skew: timedelta) -> LeaseElector:
    return election.elector(api, identity="auditor-a", clock=SkewedClock(clock, skew=skew))


def _takes(server: FakeApiServer) -> list[dict[str, Any]]:
    """The Lease's spec as each write by the single run set it."""
    return [
        r.body["spec"]
        for r in server.requests
        if r.resource == "leases"
        and r.verb in {"create", "update"}
        and r.body["spec"].get("holderIdentity", "").startswith("auditor-0-once-")
    ]


@pytest.mark.parametrize(
    ("holder_skew", "run_skew"),
    [(RIGHT, AHEAD), (BEHIND, RIGHT), (BEHIND, AHEAD)],
    ids=["the run's clock ahead", "the holder's clock behind", "both"],
)
async def test_a_freshly_renewed_lease_is_not_taken_whatever_either_clock_says(
    drifted: FakeApiServer, holder_skew: timedelta, run_skew: timedelta
) -> None:
    clock = FakeClock()
    async with _sessions(drifted, clock=clock) as (holder_api, run_api):
        holder = _holder(holder_api, clock=clock, skew=holder_skew)
        assert await holder.acquire_or_renew()
        clock.advance(TIMING.retry_seconds)
        assert await holder.acquire_or_renew(), "renewed a moment ago"
        with pytest.raises(LeaseHeldError, match=HELD):
            await _once(run_api, clock=SkewedClock(clock, skew=run_skew))
    assert lease_holder(drifted) == "auditor-a"
    assert (_takes(drifted), removals(drifted)) == ([], [])


@pytest.mark.parametrize(
    ("holder_skew", "run_skew"),
    [(RIGHT, BEHIND), (AHEAD, RIGHT)],
    ids=["the run's clock behind", "the holder's clock ahead"],
)
async def test_a_lease_expired_by_the_servers_clock_is_taken_and_the_run_remediates(
    drifted: FakeApiServer, holder_skew: timedelta, run_skew: timedelta
) -> None:
    clock = FakeClock()
    async with _sessions(drifted, clock=clock) as (holder_api, run_api):
        assert await _holder(holder_api, clock=clock, skew=holder_skew).acquire_or_renew()
        # Silent a whole lease, and the second a Date header may be off by.
        clock.advance(TIMING.lease_seconds + 1)
        report = await _once(run_api, clock=SkewedClock(clock, skew=run_skew))
    assert report.remediation is not None
    assert {a.result for a in report.remediation.actions} == {ActionResult.DONE}
    assert EXPORTER in removals(drifted)
    taken = _takes(drifted)[0]
    assert (taken["acquireTime"], taken["leaseTransitions"]) == (micro_time(clock.wall()), 1)
    assert lease_holder(drifted) is None, "released when done"


@pytest.mark.parametrize(("omit", "text"), [(True, None), (False, "soon")], ids=["none", "garbled"])
async def test_without_a_usable_date_header_a_held_lease_is_not_taken_and_the_run_says_why(
    drifted: FakeApiServer, omit: bool, text: str | None
) -> None:
    drifted.date.omit, drifted.date.text = omit, text
    clock = FakeClock()
    async with _sessions(drifted, clock=clock) as (holder_api, run_api):
        assert await _holder(holder_api, clock=clock, skew=RIGHT).acquire_or_renew()
        clock.advance(60)  # silent a minute: expired by every replica's own clock
        with pytest.raises(LeaseHeldError, match=UNKNOWN.replace("(", r"\(").replace(")", r"\)")):
            await _once(run_api, clock=SkewedClock(clock, skew=RIGHT))
    assert lease_holder(drifted) == "auditor-a"
    assert [r for r in drifted.requests if r.verb == "list"] == [], "nothing was read"
    assert (_takes(drifted), removals(drifted)) == ([], [])


@pytest.mark.parametrize("released", [False, True], ids=["no Lease yet", "a released Lease"])
async def test_a_free_lease_is_taken_and_written_on_the_servers_clock(
    drifted: FakeApiServer, *, released: bool
) -> None:
    clock = FakeClock()
    async with _sessions(drifted, clock=clock) as (holder_api, run_api):
        if released:
            holder = _holder(holder_api, clock=clock, skew=RIGHT)
            await holder.acquire_or_renew()
            await holder.release()
        report = await _once(run_api, clock=SkewedClock(clock, skew=AHEAD))
    assert report.remediation is not None
    assert EXPORTER in removals(drifted)
    taken = _takes(drifted)[0]
    assert taken["renewTime"] == taken["acquireTime"] == micro_time(clock.wall())


async def test_a_free_lease_is_taken_without_a_date_header_and_the_round_then_stops(
    drifted: FakeApiServer,
) -> None:
    drifted.date.omit = True
    clock = FakeClock()
    async with await connect(drifted, clock=clock) as api:
        report = await _once(api, clock=SkewedClock(clock, skew=AHEAD))
    assert report.remediation is not None
    assert report.remediation.blocked == NO_SERVER_TIME
    assert _takes(drifted) != []
    assert removals(drifted) == []
