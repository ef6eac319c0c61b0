"""The circuit breaker: stop all remediation when the picture changes suspiciously.

Pure. Between two complete passes, a sharp drop in allowed namespaces (labels
wiped by a bad rollout or a restore) or a jump in unwanted findings (a rule
gone wrong) is far likelier a mistake than real drift; the breaker opens and
stays open until an admin resets it (README, "Remediation").
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Picture:
    """What one complete pass saw: (rule, namespace) pairs allowed, and violations."""

    allowed_namespaces: int
    violations: int


@dataclass(frozen=True)
class BreakerLimits:
    """A drop of both `allowed_drop_fraction` of the allowed namespaces and at least
    `allowed_drop_minimum` of them opens it; so does a rise in violations of at least
    `violations_jump_minimum` that also at least doubles them."""

    allowed_drop_fraction: float = 0.25
    allowed_drop_minimum: int = 3
    violations_jump_minimum: int = 10


@dataclass(frozen=True)
class BreakerState:
    reason: str
    opened_at: str


def suspicious(previous: Picture | None, current: Picture, *, limits: BreakerLimits) -> str | None:
    """Why the change from `previous` to `current` opens the breaker, or None."""
    if previous is None:
        return None
    drop = previous.allowed_namespaces - current.allowed_namespaces
    if (
        drop >= limits.allowed_drop_minimum
        and drop >= limits.allowed_drop_fraction * previous.allowed_namespaces
    ):
        return (
            f"allowed namespaces dropped from {previous.allowed_namespaces} to "
            f"{current.allowed_namespaces} between two passes"
        )
    rise = current.violations - previous.violations
    if rise >= limits.violations_jump_minimum and current.violations >= 2 * previous.violations:
        return (
            f"unwanted findings jumped from {previous.violations} to {current.violations} "
            "between two passes"
        )
    return None
