"""Work that must end as it began once it has reached the API server.

A lost Lease cancels the leader's round (auditor.service). A write already sent
may be applied whatever the replica does next, so it is waited for and traced;
a state save is finished whole. The cancellation is passed on afterwards.
"""

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def finished_even_if_cancelled(work: Coroutine[Any, Any, T]) -> T:
    """`work`'s result; if the caller is cancelled meanwhile, `work` still runs to its
    end (waited for, unless cancelled again) and the cancellation is raised after it."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
        raise
