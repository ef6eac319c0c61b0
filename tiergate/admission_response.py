"""What admission answers: the response to a review, and each rule's part in it.

Several rules may judge one request; their verdicts are tallied here into one
answer, so how `deny`, `warn` and `dryrun` enforcement show (a denial, a warning,
or only a count) is decided in one place for every kind of request.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from tiergate.config import Enforcement
from tiergate.decision import Decision
from tiergate.text import bounded_warnings, printable


class Result(StrEnum):
    """A rule's verdict on a request; with `dryrun` enforcement a denial is only counted."""

    ALLOWED = "allowed"
    DENIED = "denied"
    WARNED = "warned"


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's verdict, for metrics and logs: bounded values only."""

    rule: str
    enforcement: Enforcement
    result: Result


@dataclass(frozen=True, slots=True)
class Response:
    """The answer to a review. `why` says in a few words how it was reached (for logs)."""

    allowed: bool
    why: str
    message: str = ""
    warnings: tuple[str, ...] = ()
    rules: tuple[RuleResult, ...] = ()

    @property
    def code(self) -> int:
        return 200 if self.allowed else 403

    @property
    def result(self) -> Result:
        if not self.allowed:
            return Result.DENIED
        return Result.WARNED if self.warnings else Result.ALLOWED


def allowed(why: str) -> Response:
    return Response(allowed=True, why=why)


@dataclass
class Tally:
    """The rules' verdicts on one request, gathered into its Response."""

    denials: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)

    def add(self, decision: Decision, *, result: Result, text: str = "") -> None:
        enforcement = decision.rule.enforcement
        self.rules.append(RuleResult(decision.rule.name, enforcement, result))
        if not text or enforcement == Enforcement.DRYRUN:
            return  # dryrun: counted and logged, never shown to the user
        if result == Result.DENIED and enforcement == Enforcement.DENY:
            self.denials.append(text)
        else:
            self.warnings.append(text)

    def response(self, *, why: str) -> Response:
        denied = bool(self.denials)
        return Response(
            allowed=not denied,
            why=why,
            message=printable("; ".join(self.denials)),
            warnings=bounded_warnings(self.warnings),
            rules=tuple(self.rules),
        )
