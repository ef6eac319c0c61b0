"""What leader election reads of a Lease, and what a single run's attempt to take it came to.

Kept apart from the election loop so the loop stays one idea: when to write. The
Lease's times are read here as written: MicroTime, in UTC.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

HOLDER = "holderIdentity"


class LeaseOutcome(Enum):
    """What one attempt to take the Lease for a single run came to."""

    TAKEN = "taken"
    HELD = "held"  # another holder renewed it within its duration, by the server's clock
    UNJUDGED = "unjudged"  # another holder, and the server's time is unknown: not taken
    FAILED = "failed"  # the API did not answer (logged)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Without a zone it cannot be compared with an aware time; MicroTime is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _positive(value: Any) -> float | None:
    return float(value) if isinstance(value, int) and value > 0 else None


@dataclass(frozen=True)
class LeaseRecord:
    """The parts of a Lease that election reads; the document is kept to write it back."""

    holder: str
    duration_seconds: float | None
    renewed: datetime | None
    transitions: int
    spec: dict[str, Any]
    document: dict[str, Any]

    @classmethod
    def of(cls, lease: Any) -> "LeaseRecord":
        document = lease if isinstance(lease, dict) else {}
        spec = document.get("spec")
        spec = dict(spec) if isinstance(spec, dict) else {}
        transitions = spec.get("leaseTransitions")
        return cls(
            holder=str(spec.get(HOLDER) or ""),
            duration_seconds=_positive(spec.get("leaseDurationSeconds")),
            renewed=_parse_time(spec.get("renewTime")),
            transitions=transitions if isinstance(transitions, int) else 0,
            spec=spec,
            document=document,
        )
