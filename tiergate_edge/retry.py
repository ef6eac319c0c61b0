"""How hard a request to the Kubernetes API is tried: attempts, backoff, a time budget.

Kept apart from the client so that parsing the command line does not load aiohttp.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a request is tried: attempts, jittered exponential backoff, a time budget.

    Settings, not constants: each program takes them from its flags.
    """

    attempts: int = 5
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    budget_seconds: float = 60.0
    timeout_seconds: float = 30.0

    def delay(self, attempt: int, *, retry_after: float | None) -> float:
        """Seconds to wait before attempt `attempt + 1`: Retry-After if given, else backoff."""
        if retry_after is not None:
            return retry_after  # as the server asks; the request's budget still bounds it
        ceiling = min(
            max(self.backoff_max_seconds, self.backoff_seconds), self.backoff_seconds * 2**attempt
        )
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not secrecy
