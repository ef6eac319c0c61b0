"""The `remediation` section of the audit report: what the auditor did, would do, or held back.

Part of the documented JSON schema (README, "Remediation"), so it is typed here
next to the findings; the auditor fills it in, the core never acts.
"""

from enum import StrEnum
from typing import Any

from pydantic import Field

from tiergate.report_model import ReportModel


class RemediateMode(StrEnum):
    OFF = "off"
    DRY_RUN = "dry-run"
    APPLY = "apply"


class ActionResult(StrEnum):
    """How one write went: done, accepted with dryRun=All, left alone, or refused."""

    DONE = "done"
    DRY_RUN = "dry-run"
    SKIPPED = "skipped"
    FAILED = "failed"


class ObjectRef(ReportModel):
    rule: str
    namespace: str
    kind: str
    name: str
    uid: str | None = None


class Held(ObjectRef):
    """A finding the auditor will not act on (now or ever), and why."""

    reason: str


class Pending(ObjectRef):
    """Unwanted, but within the grace period; `due` is when it may be acted on."""

    first_seen: str
    due: str


class Action(ObjectRef):
    """One write (or the decision not to write, after judging the object again).

    `manifest` is the object as it was just before the write, env values and
    secret-looking data redacted; `fix_hint` is set for Helm-managed objects:
    the release's values must change, or the next `helm upgrade` brings it back.
    """

    action: str  # scale | delete
    result: ActionResult
    reason: str
    at: str
    helm_release: str | None = None
    fix_hint: str | None = None
    manifest: dict[str, Any] | None = None


class CircuitBreaker(ReportModel):
    open: bool = False
    reason: str | None = None
    opened_at: str | None = None


class RemediationSection(ReportModel):
    """`blocked` says why nothing was acted on in this pass (an incomplete pass, the
    breaker, the Lease); `deferred` are stacks left for the next pass by the cap."""

    mode: RemediateMode
    grace_seconds: float
    max_remediations: int
    blocked: str | None = None
    circuit_breaker: CircuitBreaker = CircuitBreaker()
    actions: list[Action] = Field(default_factory=list)
    pending: list[Pending] = Field(default_factory=list)
    deferred: list[ObjectRef] = Field(default_factory=list)
    held: list[Held] = Field(default_factory=list)
