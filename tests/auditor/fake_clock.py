"""A clock that tests advance by hand: no test waits for real time to pass.

Sleepers wake when `advance` reaches their deadline (or their wake event is set);
`asleep(n)` waits until n sleepers are parked, i.e. the loops under test have
finished their step and wait for time to move.
"""

import asyncio
from datetime import UTC, datetime, timedelta

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PARKING_SECONDS = 30.0  # a loop that never parks is a bug; fail rather than hang


class FakeClock:
    def __init__(self, *, start: datetime = START) -> None:
        self._start = start
        self._now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self._parked = asyncio.Condition()

    def wall(self) -> datetime:
        return self._start + timedelta(seconds=self._now)

    def monotonic(self) -> float:
        return self._now

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        if wake is not None and wake.is_set():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        sleeper = (self._now + max(0.0, seconds), future)
        self._sleepers.append(sleeper)
        async with self._parked:
            self._parked.notify_all()
        waiters: set[asyncio.Future[None] | asyncio.Task[bool]] = {future}
        if wake is not None:
            waiters.add(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._sleepers.remove(sleeper)
            for waiter in waiters:
                waiter.cancel()

    def advance(self, seconds: float) -> None:
        """Move time on and wake every sleeper whose deadline has come."""
        self._now += seconds
        for deadline, future in self._sleepers:
            if deadline <= self._now and not future.done():
                future.set_result(None)

    def sleeping(self) -> int:
        """Sleepers parked and not yet woken."""
        return sum(1 for _, future in self._sleepers if not future.done())

    async def asleep(self, count: int = 1) -> None:
        """Return once `count` sleepers are parked (the loops are done with their step)."""
        async with asyncio.timeout(PARKING_SECONDS), self._parked:
            await self._parked.wait_for(lambda: self.sleeping() >= count)


class SkewedClock:
    """A replica's clock: `clock`'s time and sleeps, its wall `skew` ahead (negative:
    behind), as a node whose time is off; the API server keeps `clock`'s time."""

    def __init__(self, clock: FakeClock, *, skew: timedelta) -> None:
        self._clock = clock
        self._skew = skew

    def wall(self) -> datetime:
        return self._clock.wall() + self._skew

    def monotonic(self) -> float:
        return self._clock.monotonic()

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        await self._clock.sleep(seconds, wake=wake)
