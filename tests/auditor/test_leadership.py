"""Leader election against the fake API server's Lease, with a clock the tests advance.

Two electors share one clock and one Lease; the tests step them by hand (or run their
loops and park them on the clock), so timing is exact and no test waits for real time.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any, Protocol

import pytest

from auditor.leadership import LeaseElector, LeaseTiming, micro_time
from auditor.lease_record import LeaseOutcome
from tests.auditor.election import LEASE, OWN, TIMING, elector
from tests.auditor.fake_clock import FakeClock
from tests.builders import namespace
from tests.fakeapi import FakeApiServer
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy


class MakeElector(Protocol):
    """An elector with an API session of its own, on the test's clock."""

    def __call__(
        self, identity: str, *, timing: LeaseTiming = TIMING
    ) -> Awaitable[LeaseElector]: ...


def _lease(server: FakeApiServer) -> dict[str, Any]:
    return server.get("leases", name=LEASE, namespace=OWN, group="coordination.k8s.io")


def _seed_lease(server: FakeApiServer, *, holder: str, renewed: str, transitions: int = 4) -> None:
    server.seed(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": LEASE, "namespace": OWN},
            "spec": {
                "holderIdentity": holder,
                "leaseDurationSeconds": 12,
                "renewTime": renewed,
                "acquireTime": renewed,
                "leaseTransitions": transitions,
            },
        }
    )


@asynccontextmanager
async def _electors(
    server: FakeApiServer, clock: FakeClock, changes: list[tuple[str, bool]] | None = None
) -> AsyncIterator[MakeElector]:
    server.seed(namespace(OWN))
    server.date.now = clock.wall  # the API server's time is the test's
    seen = changes if changes is not None else []
    async with AsyncExitStack() as stack:

        async def make(identity: str, *, timing: LeaseTiming = TIMING) -> LeaseElector:
            api = await KubeApi.connect(
                retry=RetryPolicy(attempts=1),
                kubeconfig=str(server.kubeconfig),
                monotonic=clock.monotonic,
            )
            await stack.enter_async_context(api)
            return elector(
                api,
                identity=identity,
                clock=clock,
                on_change=lambda leading: seen.append((identity, leading)),
                timing=timing,
            )

        yield make


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def changes() -> list[tuple[str, bool]]:
    """(identity, leading) each time an elector's leadership changed."""
    return []


@pytest.fixture
async def make(
    fake_api: FakeApiServer, clock: FakeClock, changes: list[tuple[str, bool]]
) -> AsyncIterator[MakeElector]:
    async with _electors(fake_api, clock, changes) as maker:
        yield maker


async def _pair(make: MakeElector) -> tuple[LeaseElector, LeaseElector]:
    return await make("auditor-a"), await make("auditor-b")


async def test_the_first_replica_creates_the_lease_and_leads_and_the_second_follows(
    fake_api: FakeApiServer, clock: FakeClock, make: MakeElector, changes: list[tuple[str, bool]]
) -> None:
    first, second = await _pair(make)
    assert await first.acquire_or_renew() is True
    assert await second.acquire_or_renew() is False
    assert (first.is_leader(), second.is_leader()) == (True, False)
    spec = _lease(fake_api)["spec"]
    assert spec["holderIdentity"] == "auditor-a"
    assert spec["leaseDurationSeconds"] == 12
    assert spec["leaseTransitions"] == 0
    assert spec["renewTime"] == micro_time(clock.wall())
    assert changes == [("auditor-a", True)]


async def test_a_leader_that_does_not_renew_stops_leading_at_the_renew_deadline(
    clock: FakeClock, make: MakeElector
) -> None:
    leader = await make("auditor-a")
    await leader.acquire_or_renew()
    clock.advance(TIMING.renew_deadline_seconds - 0.5)
    assert leader.is_leader()
    clock.advance(0.5)
    assert not leader.is_leader()


async def test_a_renewal_keeps_acquire_time_and_transitions_and_moves_renew_time(
    fake_api: FakeApiServer, clock: FakeClock, make: MakeElector
) -> None:
    leader = await make("auditor-a")
    await leader.acquire_or_renew()
    acquired = _lease(fake_api)["spec"]["acquireTime"]
    clock.advance(2)
    assert await leader.acquire_or_renew() is True
    spec = _lease(fake_api)["spec"]
    assert (spec["acquireTime"], spec["leaseTransitions"]) == (acquired, 0)
    assert spec["renewTime"] == micro_time(clock.wall())


async def test_a_silent_holders_lease_is_taken_over_only_after_a_whole_lease_duration(
    fake_api: FakeApiServer, clock: FakeClock, make: MakeElector
) -> None:
    fake_api.seed(namespace(OWN))
    # Renewed an hour "ago" by a clock nobody trusts: only this replica's own observation counts.
    _seed_lease(fake_api, holder="auditor-gone", renewed="2026-03-01T11:00:00.000000Z")
    newcomer = await make("auditor-b")
    assert await newcomer.acquire_or_renew() is False
    clock.advance(TIMING.lease_seconds - 1)
    assert await newcomer.acquire_or_renew() is False
    clock.advance(1)
    assert await newcomer.acquire_or_renew() is True
    spec = _lease(fake_api)["spec"]
    assert (spec["holderIdentity"], spec["leaseTransitions"]) == ("auditor-b", 5)
    assert spec["acquireTime"] == micro_time(clock.wall())


@pytest.mark.parametrize(
    ("renewed_seconds_ago", "taken"),
    [(60, True), (13, True), (12, False), (5, False)],
    ids=[
        "an hour-old lease",
        "a lease expired by a Date's resolution",
        "a lease only at its duration",
        "a live lease",
    ],
)
async def test_a_single_run_takes_a_lease_only_once_its_renew_time_has_expired_on_the_servers_clock(
    fake_api: FakeApiServer,
    clock: FakeClock,
    make: MakeElector,
    renewed_seconds_ago: int,
    *,
    taken: bool,
) -> None:
    fake_api.seed(namespace(OWN))
    clock.advance(100)
    renewed = micro_time(clock.wall() - timedelta(seconds=renewed_seconds_ago))
    _seed_lease(fake_api, holder="auditor-a", renewed=renewed)
    once = await make("auditor-once")
    assert (await once.acquire_once() is LeaseOutcome.TAKEN) is taken
    assert await once.confirm() is taken
    assert _lease(fake_api)["spec"]["holderIdentity"] == ("auditor-once" if taken else "auditor-a")


async def test_a_sub_second_renew_deadline_is_confirmed_across_a_whole_second_of_the_date(
    clock: FakeClock, make: MakeElector
) -> None:
    leader = await make("auditor-a", timing=LeaseTiming.from_retry_period(0.1))
    clock.advance(0.9)  # the Date says 12:00:00 for 12:00:00.9: renewTime 0.9 s early
    assert await leader.acquire_or_renew()
    clock.advance(0.2)  # renewed 0.2 s ago, within the 0.5 s deadline; the Date now says :01
    assert await leader.confirm() is True


async def test_a_release_clears_the_holder_and_the_other_replica_takes_over_at_once(
    fake_api: FakeApiServer, make: MakeElector
) -> None:
    first, second = await _pair(make)
    await first.acquire_or_renew()
    assert await second.acquire_or_renew() is False
    await first.release()
    assert "holderIdentity" not in _lease(fake_api)["spec"]
    assert not first.is_leader()
    assert await second.acquire_or_renew() is True  # no time has passed
    assert _lease(fake_api)["spec"]["leaseTransitions"] == 1


async def test_a_release_by_a_replica_that_does_not_hold_the_lease_changes_nothing(
    fake_api: FakeApiServer, make: MakeElector
) -> None:
    first, second = await _pair(make)
    await first.acquire_or_renew()
    before = _lease(fake_api)
    await second.release()
    assert _lease(fake_api) == before


async def test_a_conflicting_write_is_read_again_and_decided_again(
    fake_api: FakeApiServer, clock: FakeClock, make: MakeElector
) -> None:
    leader = await make("auditor-a")
    await leader.acquire_or_renew()
    fake_api.fail(verb="update", resource="leases", status=409)
    clock.advance(2)
    assert await leader.acquire_or_renew() is True
    reads = fake_api.faults.requests_for(verb="get", resource="leases")
    writes = fake_api.faults.requests_for(verb="update", resource="leases")
    assert (len(reads), len(writes)) == (3, 2)


async def test_two_replicas_racing_for_a_free_lease_never_both_lead(make: MakeElector) -> None:
    replicas = [await make(f"auditor-{n}") for n in range(4)]
    results = await asyncio.gather(*(r.acquire_or_renew() for r in replicas))
    assert sum(results) == 1
    assert sum(r.is_leader() for r in replicas) == 1


async def test_a_leader_whose_renewals_are_refused_is_replaced_and_never_overlaps(
    fake_api: FakeApiServer, clock: FakeClock, make: MakeElector
) -> None:
    first, second = await _pair(make)
    await first.acquire_or_renew()
    await second.acquire_or_renew()
    leaders = []
    for _ in range(10):  # 20 s: both step every retry period; only the leader's PUTs fail
        clock.advance(TIMING.retry_seconds)
        if first.is_leader() or _lease(fake_api)["spec"]["holderIdentity"] == "auditor-a":
            fake_api.fail(verb="update", resource="leases", status=503)
        await first.acquire_or_renew()
        await second.acquire_or_renew()
        assert not (first.is_leader() and second.is_leader())
        leaders.append("a" if first.is_leader() else "b" if second.is_leader() else "-")
    assert (first.is_leader(), second.is_leader()) == (False, True)
    # Leading until the renew deadline, nobody until the lease ran out, then the other replica.
    assert "".join(leaders) == "aaaa-bbbbb"
    assert _lease(fake_api)["spec"]["holderIdentity"] == "auditor-b"


async def test_confirm_is_false_once_another_replica_holds_the_lease_or_the_api_fails(
    fake_api: FakeApiServer, make: MakeElector
) -> None:
    first, second = await _pair(make)
    await first.acquire_or_renew()
    assert await first.confirm() is True
    assert await second.confirm() is False
    fake_api.fail(verb="get", resource="leases", status=503)
    assert await first.confirm() is False
    await first.release()
    await second.acquire_or_renew()
    assert await first.confirm() is False


async def test_two_running_loops_hand_over_when_the_leader_stops(
    fake_api: FakeApiServer, clock: FakeClock, make: MakeElector, changes: list[tuple[str, bool]]
) -> None:
    first, second = await _pair(make)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    first_loop = asyncio.create_task(first.run(stop=stop_first))
    await clock.asleep(1)
    second_loop = asyncio.create_task(second.run(stop=stop_second))
    await clock.asleep(2)
    for _ in range(20):
        clock.advance(1)
        await clock.asleep(2)
        assert (first.is_leader(), second.is_leader()) == (True, False)
    stop_first.set()
    await first_loop
    assert "holderIdentity" not in _lease(fake_api)["spec"]
    # The follower's next attempt comes within its jittered retry period, and takes over.
    clock.advance(TIMING.retry_seconds * 2.2)
    await clock.asleep(1)
    assert second.is_leader()
    stop_second.set()
    await second_loop
    assert changes == [
        ("auditor-a", True),
        ("auditor-a", False),
        ("auditor-b", True),
        ("auditor-b", False),
    ]


@pytest.mark.parametrize(
    ("lease", "renew", "retry"),
    [(10, 10, 2), (12, 10, 10), (12, 10, 0)],
    ids=["renew deadline not below the lease", "retry not below the deadline", "no retry"],
)
def test_inconsistent_lease_timing_is_refused_naming_the_values(
    lease: float, renew: float, retry: float
) -> None:
    with pytest.raises(ValueError, match="lease timing"):
        LeaseTiming(lease_seconds=lease, renew_deadline_seconds=renew, retry_seconds=retry)


def test_the_timing_keeps_kyvernos_ratios() -> None:
    assert LeaseTiming.from_retry_period(2) == LeaseTiming()
    assert LeaseTiming.from_retry_period(0.5) == LeaseTiming(
        lease_seconds=3, renew_deadline_seconds=2.5, retry_seconds=0.5
    )
