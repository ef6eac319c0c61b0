"""The API server's clock, read from the `Date` header of its responses.

Replicas' wall clocks drift apart; the API server's is the one clock they all
see. A reading is the header's time (RFC 7231: whole seconds, GMT) and the local
monotonic time it arrived, so the server's time now needs no wall clock here.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# A Date has whole seconds: two readings' difference is off from the true one by less than this.
RESOLUTION = timedelta(seconds=1)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_date(value: str | None) -> datetime | None:
    """The time in an HTTP `Date` header, in UTC, or None if it is absent or unusable."""
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value)
        # "-0000" (zone unknown) parses naive; a Date header is GMT by definition.
        date = date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # A date so late that adding the time since would overflow is not a clock either.
    return date if date < _LATEST else None


class ServerClock:
    """The latest usable `Date` the server sent, and when it came (`monotonic`)."""

    def __init__(self, *, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._reading: tuple[datetime, float] | None = None

    def observe(self, header: str | None) -> None:
        """Take the `Date` of a response; one without a usable Date changes nothing,
        since the last reading still tells the server's time."""
        date = parse_date(header)
        if date is not None:
            self._reading = (date, self._monotonic())

    def now(self) -> datetime | None:
        """The server's time now (up to about a second behind it: whole-second headers),
        or None until a response has carried a usable Date."""
        if self._reading is None:
            return None
        date, received = self._reading
        return date + timedelta(seconds=max(0.0, self._monotonic() - received))
