"""The time in the server's `Date` header, which a test can follow, skew or break.

The auditor measures grace on the API server's clock (this header), so a test that
moves a fake clock makes the server's time follow it, and sets the server ahead of
or behind its replicas; a missing or garbled header tests the auditor's fallback.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web


def _system_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServerDate:
    """`now() + offset` in every response's Date (RFC 7231, whole seconds, GMT);
    `omit` sends none, `text` sends that instead. Set from the test's thread."""

    now: Callable[[], datetime] = field(default=_system_now)
    offset: timedelta = timedelta(0)
    omit: bool = False
    text: str | None = None

    def header(self) -> str | None:
        if self.omit:
            return None
        if self.text is not None:
            return self.text
        return format_datetime((self.now() + self.offset).astimezone(UTC), usegmt=True)

    async def stamp(self, _: web.Request, response: web.StreamResponse) -> None:
        """An `on_response_prepare` hook: it runs after aiohttp wrote its own Date."""
        value = self.header()
        if value is None:
            response.headers.popall("Date", None)
        else:
            response.headers["Date"] = value
