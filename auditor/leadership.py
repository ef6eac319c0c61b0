"""Leader election on a coordination.k8s.io/v1 Lease: only its holder audits and remediates.

A small loop of our own rather than kubernetes_asyncio.leaderelection (which reads
wall time for deadlines): the clock is injected, so tests drive time, and
remediation can ask the API right before each write whether this replica still leads.
"""

import asyncio
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from auditor.clock import Clock
from auditor.lease_record import HOLDER, LeaseOutcome, LeaseRecord
from tiergate_edge.kube_api import ApiError, ConflictError, KubeApi, NotFoundError
from tiergate_edge.retry import RetryPolicy
from tiergate_edge.server_clock import RESOLUTION

LOGGER = logging.getLogger("tiergate.auditor.leadership")
CONFLICT_RETRIES = 3  # a 409 means someone wrote meanwhile: read again, decide again
FOLLOWER_JITTER = 1.2  # client-go's JitterFactor: followers spread their attempts
LEASES = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
JSON = "application/json"


@dataclass(frozen=True)
class LeaseTiming:
    """How long a Lease lasts, how long the holder keeps trying to renew, how often it tries.

    Kyverno's ratios (pkg/leaderelection): lease 6, renew deadline 5, retry 1 retry period.
    """

    lease_seconds: float = 12.0
    renew_deadline_seconds: float = 10.0
    retry_seconds: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.retry_seconds < self.renew_deadline_seconds < self.lease_seconds:
            raise ValueError(
                "lease timing: need 0 < retry period < renew deadline < lease duration, got "
                f"{self.retry_seconds}, {self.renew_deadline_seconds}, {self.lease_seconds}"
            )

    @classmethod
    def from_retry_period(cls, seconds: float) -> "LeaseTiming":
        return cls(
            lease_seconds=6 * seconds, renew_deadline_seconds=5 * seconds, retry_seconds=seconds
        )


def micro_time(moment: datetime) -> str:
    """A Kubernetes MicroTime: RFC 3339 in UTC with microseconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaseElector:
    """One replica's side of the election; `run()` keeps it going, the rest are single steps."""

    def __init__(
        self,
        api: KubeApi,
        *,
        namespace: str,
        name: str,
        identity: str,
        clock: Clock,
        timing: LeaseTiming | None = None,
        on_change: Callable[[bool], None] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.identity = identity
        self.namespace = namespace
        self.name = name
        self.timing = timing or LeaseTiming()
        self._api = api
        self._clock = clock
        self._collection = LEASES.format(namespace=namespace)
        self._path = f"{self._collection}/{name}"
        self.on_change = on_change
        self._jitter = jitter
        # One quick try per step: a renewal that waits out a long retry budget is a lost one.
        seconds = self.timing.renew_deadline_seconds / 2
        self._retry = RetryPolicy(attempts=1, budget_seconds=seconds, timeout_seconds=seconds)
        self._renewed_at: float | None = None  # monotonic, taken before the last write as holder
        self._observed: tuple[str, datetime | None] | None = None
        self._observed_at = 0.0
        self._reported = False
        self.holder: str | None = None  # as last read; None before the first read

    def is_leader(self) -> bool:
        """Held, and renewed within the renew deadline by this replica's clock."""
        if self._renewed_at is None:
            return False
        return self._clock.monotonic() - self._renewed_at < self.timing.renew_deadline_seconds

    async def acquire_or_renew(self) -> bool:
        """One step of the loop: True when this step took or renewed the Lease.

        Another holder's Lease is taken over only after this replica has seen it
        unchanged for its whole duration (skew-proof: no other clock is trusted).
        """
        return await self._step(by_renew_time=False) is LeaseOutcome.TAKEN

    async def acquire_once(self) -> LeaseOutcome:
        """For a single run (`--once`), which cannot watch the Lease for a whole duration:
        take it if free, already ours, or expired by its renewTime on the API server's clock
        (never this replica's: one ahead would take a live Lease). Another holder's Lease is
        not taken while the server's time is unknown."""
        return await self._step(by_renew_time=True)

    async def confirm(self) -> bool:
        """Read the Lease now: True only if this identity holds it and renewed it within the
        renew deadline. Remediation asks before every write; an API failure is False."""
        try:
            record = LeaseRecord.of(await self._api.request("GET", self._path, retry=self._retry))
        except ApiError as error:
            LOGGER.warning("the Lease could not be read", extra={"error": str(error)})
            return False
        # The renew deadline proper is is_leader()'s, on the monotonic clock; this reads the
        # stored Lease back, on the clock it was written on, a Date's resolution allowed.
        deadline = timedelta(seconds=self.timing.renew_deadline_seconds) + RESOLUTION
        holds = (
            record.holder == self.identity
            and record.renewed is not None
            and record.renewed + deadline > self._now()
        )
        if record.holder != self.identity:
            self._renewed_at = None
        self._report()
        return holds and self.is_leader()

    async def release(self) -> None:
        """Give the Lease up at once (clear the holder), so another replica takes over
        without waiting for it to expire. Nothing happens if another replica holds it."""
        self._renewed_at = None
        self._report()
        for _ in range(CONFLICT_RETRIES):
            try:
                await self._clear_holder()
            except ConflictError:
                continue
            except ApiError as error:
                LOGGER.warning("the Lease could not be released", extra={"error": str(error)})
            return

    async def _clear_holder(self) -> None:
        record = LeaseRecord.of(await self._api.request("GET", self._path, retry=self._retry))
        if record.holder != self.identity:
            return
        spec = {k: v for k, v in record.spec.items() if k != HOLDER}
        spec["renewTime"] = micro_time(self._now())
        await self._write(record, spec=spec)
        LOGGER.info("released the Lease", extra={"lease": self.name})

    async def run(self, *, stop: asyncio.Event) -> None:
        """Acquire or renew every retry period until `stop` is set, then release."""
        try:
            while not stop.is_set():
                await self.acquire_or_renew()
                await self._clock.sleep(self._pause(), wake=stop)
        finally:
            await self.release()

    def _pause(self) -> float:
        retry = self.timing.retry_seconds
        if self.is_leader():
            return retry
        return retry * (1 + FOLLOWER_JITTER * self._jitter())

    def _now(self) -> datetime:
        """The time written into the Lease and read back from it: the API server's, the one
        clock all replicas and single runs share; this replica's own only until a response
        has carried a usable Date (then it is used alike for writing and for reading)."""
        return self._api.server_time() or self._clock.wall()

    async def _step(self, *, by_renew_time: bool) -> LeaseOutcome:
        outcome = LeaseOutcome.FAILED
        try:
            for _ in range(CONFLICT_RETRIES):
                try:
                    outcome = await self._try(by_renew_time=by_renew_time)
                    break
                except ConflictError:
                    LOGGER.info("the Lease changed meanwhile; reading it again")
        except ApiError as error:
            LOGGER.warning("the Lease could not be renewed", extra={"error": str(error)})
        finally:
            self._report()
        return outcome

    async def _try(self, *, by_renew_time: bool) -> LeaseOutcome:
        started = self._clock.monotonic()
        try:
            lease = await self._api.request("GET", self._path, retry=self._retry)
        except NotFoundError:
            await self._create(self._now())
            self.holder = self.identity
            self._renewed_at = started
            return LeaseOutcome.TAKEN
        now = self._now()  # after the read, whose Date is the freshest reading
        record = LeaseRecord.of(lease)
        self.holder = record.holder
        self._observe(record, at=started)
        if record.holder and record.holder != self.identity:
            if by_renew_time:
                standing = self._standing(record)
            else:
                duration = record.duration_seconds or self.timing.lease_seconds
                standing = None if started - self._observed_at >= duration else LeaseOutcome.HELD
            if standing is not None:
                self._renewed_at = None
                return standing
        spec = {**record.spec, "renewTime": micro_time(now)}
        spec["leaseDurationSeconds"] = math.ceil(self.timing.lease_seconds)
        if record.holder != self.identity:
            spec |= {
                HOLDER: self.identity,
                "acquireTime": micro_time(now),
                "leaseTransitions": record.transitions + 1,
            }
        await self._write(record, spec=spec)
        self.holder = self.identity
        if record.holder != self.identity:
            LOGGER.info("took the Lease", extra={"lease": self.name, "from": record.holder})
        self._renewed_at = started
        return LeaseOutcome.TAKEN

    def _standing(self, record: LeaseRecord) -> LeaseOutcome | None:
        """Why another holder's Lease is not to be taken by its renewTime, or None once it has
        expired by the server's clock, a Date's resolution on top (the holder's renewTime
        and our reading may each be up to that behind). Unknown server time: not taken."""
        server_now = self._api.server_time()
        if server_now is None:
            return LeaseOutcome.UNJUDGED
        seconds = record.duration_seconds or self.timing.lease_seconds
        duration = timedelta(seconds=seconds) + RESOLUTION
        if record.renewed is None or record.renewed + duration <= server_now:
            return None
        return LeaseOutcome.HELD

    def _observe(self, record: LeaseRecord, *, at: float) -> None:
        """Remember when the Lease last changed, by this replica's monotonic clock."""
        seen = (record.holder, record.renewed)
        if seen != self._observed:
            self._observed, self._observed_at = seen, at

    async def _create(self, now: datetime) -> None:
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                HOLDER: self.identity,
                "leaseDurationSeconds": math.ceil(self.timing.lease_seconds),
                "acquireTime": micro_time(now),
                "renewTime": micro_time(now),
                "leaseTransitions": 0,
            },
        }
        # A 409 (someone created it first) reaches _step, which reads it and decides again.
        await self._api.request(
            "POST", self._collection, body=body, content_type=JSON, retry=self._retry
        )
        LOGGER.info("created the Lease", extra={"lease": self.name})

    async def _write(self, record: LeaseRecord, *, spec: dict[str, Any]) -> None:
        """PUT the Lease as read (its resourceVersion included): a 409 if anyone wrote since."""
        body = {**record.document, "spec": spec}
        await self._api.request("PUT", self._path, body=body, content_type=JSON, retry=self._retry)

    def _report(self) -> None:
        leading = self.is_leader()
        if leading != self._reported:
            self._reported = leading
            LOGGER.info(
                "leading" if leading else "not leading",
                extra={"lease": self.name, "identity": self.identity},
            )
            if self.on_change is not None:
                self.on_change(leading)
