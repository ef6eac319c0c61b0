"""An exemption's expiry on the API server's clock: no replica clock ends it early or late.

The fake API server's Date follows the test's clock (the true time); each replica's
wall clock is skewed from it (`SkewedClock`). A cluster pass classifies findings by
the server's time, the grace of an expired exemption starts when it expired by that
time, and the re-check before a write judges the expiry on it too.
"""

import json
from datetime import datetime, timedelta

import pytest

from auditor.clock import Clock
from auditor.remediation.state_store import STATE_NAME
from tests.auditor.drifted import (
    OWN,
    audit_once,
    connect,
    exporter_stack,
    remediator,
    removals,
    starter,
)
from tests.auditor.fake_clock import START, FakeClock, SkewedClock
from tests.fakeapi import FakeApiServer
from tiergate.config import Exemption, TiergateConfig, default_config
from tiergate.findings import AuditReport, Drift
from tiergate.remediation_report import ActionResult, RemediationSection
from tiergate_edge.kube_api import KubeApi

GRACE = 1800.0
MINUTES_20 = timedelta(minutes=20)
EXPIRES = START + timedelta(hours=1)  # T: the exemption ends then, on the server's clock
EXPORTER = ("deployments", "customer-s1", "s1-mosquitto-exporter")


@pytest.fixture
def drifted(fake_api: FakeApiServer) -> FakeApiServer:
    """One starter tenant running the exporter (Deployment, ReplicaSet, Pod, Service)."""
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1")[:4])
    return fake_api


def _config() -> TiergateConfig:
    rule = default_config().rules[0]
    exemption = Exemption(namespace="customer-s1", reason="migration OPS-7", expires=EXPIRES)
    return TiergateConfig(rules=(rule.model_copy(update={"exemptions": (exemption,)}),))


async def _pass(api: KubeApi, *, clock: Clock) -> AuditReport:
    return await audit_once(api, config=_config(), clock=clock)


async def _round(api: KubeApi, *, clock: Clock, grace: float = GRACE) -> RemediationSection:
    """One pass and its remediation round (apply)."""
    report = await _pass(api, clock=clock)
    return await remediator(api, clock=clock, config=_config(), grace=grace).after_pass(report)


def _until(clock: FakeClock, when: datetime) -> None:
    clock.advance((when - clock.wall()).total_seconds())


def _exporter_drift(report: AuditReport) -> tuple[Drift, bool]:
    (finding,) = [f for f in report.findings if f.kind == "Deployment"]
    return finding.drift, finding.exempt


@pytest.mark.parametrize(
    ("skew", "server_time", "exempt"),
    [
        (MINUTES_20, EXPIRES - timedelta(seconds=1), True),
        (-MINUTES_20, EXPIRES, False),
        (-MINUTES_20, EXPIRES + timedelta(minutes=19), False),
    ],
    ids=["ahead-just-before", "behind-at-expiry", "behind-after-expiry"],
)
async def test_a_cluster_pass_classifies_an_exemption_by_the_servers_time(
    drifted: FakeApiServer, skew: timedelta, server_time: datetime, exempt: bool
) -> None:
    clock = FakeClock()
    _until(clock, server_time)
    async with await connect(drifted, clock=clock) as api:
        report = await _pass(api, clock=SkewedClock(clock, skew=skew))
    assert _exporter_drift(report) == (Drift.UNWANTED, exempt)
    assert report.summary.counts.exempt == (2 if exempt else 0)  # the Deployment, the Service


async def test_a_replica_ahead_of_the_server_honours_the_exemption_and_then_the_grace(
    drifted: FakeApiServer,
) -> None:
    clock = FakeClock()
    replica = SkewedClock(clock, skew=MINUTES_20)
    async with await connect(drifted, clock=clock) as api:
        for when in (EXPIRES - MINUTES_20, EXPIRES - timedelta(seconds=1), EXPIRES):
            _until(clock, when)
            await _round(api, clock=replica)
        _until(clock, EXPIRES + timedelta(seconds=GRACE - 1))
        early = await _round(api, clock=replica)
        assert (early.actions, removals(drifted)) == ([], [])
        _until(clock, EXPIRES + timedelta(seconds=GRACE))
        due = await _round(api, clock=replica)
    assert {a.result for a in due.actions} == {ActionResult.DONE}
    assert EXPORTER in removals(drifted)


async def test_a_replica_behind_the_server_removes_it_once_the_grace_after_expiry_is_over(
    drifted: FakeApiServer,
) -> None:
    clock = FakeClock()
    replica = SkewedClock(clock, skew=-MINUTES_20)
    async with await connect(drifted, clock=clock) as api:
        _until(clock, EXPIRES)
        started = await _round(api, clock=replica)
        assert {p.first_seen for p in started.pending} == {EXPIRES.isoformat()}
        _until(clock, EXPIRES + timedelta(seconds=GRACE))
        due = await _round(api, clock=replica)
    assert EXPORTER in removals(drifted)
    # The traces carry the server's time too, so every replica's agree.
    assert {a.at for a in due.actions} == {(EXPIRES + timedelta(seconds=GRACE)).isoformat()}


async def test_a_pass_judged_on_the_replicas_clock_starts_no_grace_for_what_the_server_exempts(
    drifted: FakeApiServer,
) -> None:
    clock = FakeClock()
    replica = SkewedClock(clock, skew=MINUTES_20)
    _until(clock, EXPIRES - timedelta(minutes=10))
    async with await connect(drifted, clock=clock) as api:
        drifted.date.omit = True  # the pass knows no server time: the report is the replica's
        report = await _pass(api, clock=replica)
        assert _exporter_drift(report) == (Drift.UNWANTED, False)
        drifted.date.omit = False  # the round does, and judges the expiry on it
        section = await remediator(api, clock=replica, config=_config(), grace=0).after_pass(report)
    assert (section.actions, removals(drifted)) == ([], [])
    assert {h.name for h in section.held} >= {"s1-mosquitto-exporter"}
    assert all("in force on the API server's clock" in h.reason for h in section.held)
    state = drifted.get("configmaps", name=STATE_NAME, namespace=OWN)["data"]
    assert json.loads(state["first-seen"]) == {}


async def test_the_check_before_the_write_judges_the_expiry_on_the_servers_time(
    drifted: FakeApiServer,
) -> None:
    clock = FakeClock()
    replica = SkewedClock(clock, skew=-MINUTES_20)  # still inside the exemption by its clock
    _until(clock, EXPIRES)
    async with await connect(drifted, clock=clock) as api:
        section = await _round(api, clock=replica, grace=0)
    assert [(a.name, a.result) for a in section.actions if a.kind == "Deployment"] == [
        ("s1-mosquitto-exporter", ActionResult.DONE)
    ]
    assert EXPORTER in removals(drifted)
