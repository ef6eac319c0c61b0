"""The auditor's clock, injected everywhere time matters: the Lease, the pass loop, the grace.

Wall time goes into the Lease's MicroTime fields and reports, monotonic time
measures deadlines, and the sleep wakes early for shutdown or a relabel; tests
replace all three with a clock they advance themselves.
"""

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def wall(self) -> datetime:
        """Now, in UTC: written into the Lease and the reports."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going back: deadlines and durations."""
        ...

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        """Sleep `seconds`, or return earlier once `wake` is set (shutdown, a relabel)."""
        ...


class SystemClock:
    """The clock of a running program."""

    def wall(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        if wake is None:
            await asyncio.sleep(max(0.0, seconds))
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=max(0.0, seconds))
