"""Faults a test injects and the log of requests it asserts on.

The auditor's retries, its 410 restarts and its refusal to remediate after a
403 are only testable if the server can be told to misbehave, from the test's thread.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """Answer matching requests `times` times with `status`, after `delay`, or drop them.

    `verb` is the Kubernetes verb (get, list, watch, create, update, patch, delete);
    `resource` the plural, with `/scale` or `/status` for a subresource; None matches any.
    """

    verb: str | None = None
    resource: str | None = None
    namespace: str | None = None
    name: str | None = None
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    drop: bool = False
    expire_continue: bool = False
    times: int = 1
    hits: int = 0
    # Carried out at once, then answered this many seconds late: an API server under load
    # whose answer is slow to come back (the client giving up does not undo the request).
    answer_delay: float = 0.0
    # Delayed requests whose client closed the connection before the delay ran out (no answer).
    hung_up: int = 0
    # Anything else a fault must tell apart (one client's writes from another's, by body).
    where: Callable[["RecordedRequest"], bool] | None = None

    def matches(self, request: "RecordedRequest") -> bool:
        if self.expire_continue and "continue" not in request.query:
            return False  # tokens expire between pages, not before the first
        return (
            self.hits < self.times
            and self.verb in {None, request.verb}
            and self.resource in {None, request.resource}
            and self.namespace in {None, request.namespace}
            and self.name in {None, request.name}
            and (self.where is None or self.where(request))
        )


@dataclass(frozen=True)
class RecordedRequest:
    """What a test may ask about a request the server received."""

    method: str
    path: str
    query: dict[str, str]
    verb: str
    resource: str | None
    namespace: str | None
    name: str | None
    headers: dict[str, str]
    body: Any = field(default=None, compare=False)

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"


INTERESTING_HEADERS = ("Accept", "Content-Type", "Authorization", "User-Agent")


class Faults:
    """The server's faults and request log, both safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._log: list[RecordedRequest] = []

    def add(self, fault: Fault | None = None, /, **fields: Any) -> Fault:
        """Install a fault (given, or built from keyword fields) and return it."""
        fault = fault or Fault(**fields)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, request: RecordedRequest) -> Fault | None:
        """Log the request and use up the first fault that matches it, if any."""
        with self._lock:
            self._log.append(request)
            for fault in self._faults:
                if fault.matches(request):
                    fault.hits += 1
                    return fault
        return None

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def requests_for(
        self, *, verb: str | None = None, resource: str | None = None
    ) -> list[RecordedRequest]:
        return [
            r for r in self.requests if verb in {None, r.verb} and resource in {None, r.resource}
        ]

    def forget_requests(self) -> None:
        with self._lock:
            self._log.clear()
