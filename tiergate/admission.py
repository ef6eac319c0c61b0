"""Admission: one review request and its namespace's labels -> allowed, denied or warned.

The webhook reads a review into a ReviewRequest and resolves the namespace's labels;
the judgement is here, pure and synchronous, built on the core's own rule (`decide`)
and wording (`Decision.message`), so a denial and an audit report never disagree.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tiergate.classification import classify
from tiergate.config import Enforcement, TiergateConfig
from tiergate.decision import Decision, decide
from tiergate.kinds import SCALABLE_KINDS
from tiergate.objects import KubeObject
from tiergate.ownership import has_builtin_controller
from tiergate.reading import ObjectError, reread_unchanged
from tiergate.sieve import Sieve
from tiergate.text import bounded_warnings, printable
from tiergate.verdicts import judge_namespace

# Only kube-controller-manager may create what a built-in controller owns (DESIGN.md).
# RE2-safe: the admission policy renders the same pattern into CEL.
CONTROLLER_USERNAMES = (
    r"system:kube-controller-manager|system:serviceaccount:kube-system:[a-z0-9-]+-controller"
)
_CONTROLLER_USERS = re.compile(CONTROLLER_USERNAMES)
_SCALABLE = {(k.group, k.plural): k for k in SCALABLE_KINDS}


class Result(StrEnum):
    """A rule's verdict on a request; with `dryrun` enforcement a denial is only counted."""

    ALLOWED = "allowed"
    DENIED = "denied"
    WARNED = "warned"


@dataclass(frozen=True)
class ReviewRequest:
    """What admission reads of an AdmissionReview's request (the webhook validates it).

    `kind` and `group` are the object's (a Scale for `*/scale`), `resource` and
    `resource_group` the resource the request is made to (`deployments`, `apps`).
    """

    operation: str
    kind: str
    group: str = ""
    resource: str = ""
    resource_group: str = ""
    sub_resource: str = ""
    name: str = ""
    namespace: str | None = None
    username: str = ""
    object: Mapping[str, Any] | None = None
    old_object: Mapping[str, Any] | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict, for metrics and logs: bounded values only."""

    rule: str
    enforcement: Enforcement
    result: Result


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Pending:
    """A candidate: judged once the labels of `namespace` are known (or known to be unknown).

    `old` is the old object's view when it is already known (a Scale's); otherwise
    the old object is read only if the verdict needs it (a violation), since most
    updates are allowed whatever the old object was.
    """

    request: ReviewRequest
    namespace: str
    new: KubeObject
    old: KubeObject | None = None
    old_read: bool = False


@dataclass
class _Tally:
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


def _allowed(why: str) -> Response:
    return Response(allowed=True, why=why)


def _being_deleted(raw: Mapping[str, Any] | None) -> bool:
    metadata = raw.get("metadata") if raw is not None else None
    return isinstance(metadata, Mapping) and bool(metadata.get("deletionTimestamp"))


def _passed_over(request: ReviewRequest, *, new: KubeObject | None) -> str | None:
    """Why a request is allowed without looking its namespace up, or None to judge it."""
    if new is None:
        return "not a candidate (now)"
    if _being_deleted(request.object) or _being_deleted(request.old_object):
        return "being deleted"
    if has_builtin_controller(new) and is_controller_manager(request.username):
        return "created by its controller, judged through its owner"
    if not (request.namespace or new.namespace):
        return "names no namespace"
    return None


def is_controller_manager(username: str) -> bool:
    return _CONTROLLER_USERS.fullmatch(username) is not None


class Admission:
    """Judges review requests for one configuration.

    `deny_unknown` says what a component request gets when its namespace's labels
    are unknown (the API could not be read): denied, or allowed with a warning.
    """

    def __init__(
        self, config: TiergateConfig, *, own_namespace: str, deny_unknown: bool = True
    ) -> None:
        self._config = config
        self._own_namespace = own_namespace
        self._deny_unknown = deny_unknown
        self._sieve = Sieve(config)

    def screen(self, request: ReviewRequest) -> Response | Pending:
        """A response at once (no lookup), or a Pending candidate that needs its namespace.

        Raises ObjectError when the object (or a Scale's replicas) cannot be read.
        """
        if request.operation not in ("CREATE", "UPDATE"):
            return _allowed(f"{request.operation or 'no operation'} is never judged")
        if request.sub_resource == "status":
            return _allowed("the status subresource is never judged")
        old: KubeObject | None = None
        scaled = request.sub_resource == "scale"
        if scaled:
            new, old = self._scaled(request)
        else:
            new = self._candidate(request.object)
        if request.kind == "Namespace" and request.group == "":
            return self._relabel(new=new, old=self._old(request))
        why = _passed_over(request, new=new)
        if why is not None or new is None:
            return _allowed(why or "not a candidate")
        namespace = request.namespace or new.namespace or ""
        return Pending(request=request, namespace=namespace, new=new, old=old, old_read=scaled)

    def judge(
        self, pending: Pending, *, labels: Mapping[str, str] | None, now: datetime
    ) -> Response:
        """The verdict on a candidate, given its namespace's labels (None: unknown)."""
        request, new = pending.request, pending.new
        old, was_component = pending.old, None
        tally = _Tally()
        decisions = self._decide(new, labels=labels, now=now)
        for decision in decisions:
            if not decision.violates and not decision.verdict.undetermined:
                tally.add(decision, result=Result.ALLOWED)
                continue
            if was_component is None:  # the old object matters only now: read it once
                old = old if pending.old_read else self._old(request, new=new)
                # Same namespace, same labels: only whether it was the component can differ.
                was_component = (
                    {d.rule.name for d in decisions}  # the same view: the same components
                    if old is new
                    else {r.name for r in self._config.rules if old and classify(old, rule=r)}
                )
            worse = _what_makes_it_worse(
                request, new=new, old=old, was=decision.rule.name in was_component
            )
            text = decision.message(kind=new.kind, name=new.name, namespace=pending.namespace)
            if decision.verdict.undetermined and worse is not None:
                self._unknown(tally, decision=decision, new=new)
            elif not decision.violates:
                tally.add(decision, result=Result.ALLOWED)
            elif worse is None:
                note = " (allowed: this update does not make it worse)"
                tally.add(decision, result=Result.WARNED, text=text + note)
            elif decision.rule.enforcement == Enforcement.WARN:
                tally.add(decision, result=Result.WARNED, text=text + worse)
            else:
                tally.add(decision, result=Result.DENIED, text=text + worse)
        return tally.response(why="judged" if tally.rules else "not the component")

    def review(
        self, request: ReviewRequest, *, labels: Mapping[str, str] | None, now: datetime
    ) -> Response:
        """`screen` then `judge`, for a caller that already holds the labels."""
        screened = self.screen(request)
        if isinstance(screened, Response):
            return screened
        return self.judge(screened, labels=labels, now=now)

    def _decide(
        self, obj: KubeObject | None, *, labels: Mapping[str, str] | None, now: datetime
    ) -> list[Decision]:
        if obj is None:
            return []
        return decide(
            obj,
            config=self._config,
            namespace_labels=labels,
            own_namespace=self._own_namespace,
            now=now,
        )

    def _unknown(self, tally: _Tally, *, decision: Decision, new: KubeObject) -> None:
        text = (
            f"{decision.rule.name}: {new.kind} {new.name} could not be checked: "
            f"{decision.verdict.reason} (the Kubernetes API could not be read)"
        )
        if self._deny_unknown:
            tally.add(decision, result=Result.DENIED, text=f"{text}; try again shortly")
        else:
            tally.add(decision, result=Result.WARNED, text=f"{text}; admitted unchecked")

    def _old(self, request: ReviewRequest, *, new: KubeObject | None = None) -> KubeObject | None:
        """The old object's view (UPDATE only); `new`, the new object's view, when known."""
        if request.operation != "UPDATE":
            return None
        old, raw = request.old_object, request.object
        if new is not None and isinstance(old, Mapping) and isinstance(raw, Mapping):
            unchanged = reread_unchanged(old, new=raw, new_view=new)
            if unchanged is not None:
                return unchanged
        return self._candidate(old)

    def _candidate(self, raw: Mapping[str, Any] | None) -> KubeObject | None:
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise ObjectError("the object is not a JSON object")
        return self._sieve.candidate(raw)

    def _scaled(self, request: ReviewRequest) -> tuple[KubeObject | None, KubeObject | None]:
        """A Scale as its workload, by name only: the review carries no template to judge."""
        entry = _SCALABLE.get((request.resource_group, request.resource))
        if entry is None:
            return None, None

        def workload(scale: Mapping[str, Any] | None) -> KubeObject | None:
            spec = scale.get("spec") if isinstance(scale, Mapping) else None
            count = spec.get("replicas", 0) if isinstance(spec, Mapping) else 0
            raw = {
                "apiVersion": entry.api_version,
                "kind": entry.kind,
                "metadata": {"name": request.name, "namespace": request.namespace},
                "spec": {"replicas": count, "template": {}},
            }
            return self._candidate(raw) if scale is not None else None

        return workload(request.object), workload(request.old_object)

    def _relabel(self, *, new: KubeObject | None, old: KubeObject | None) -> Response:
        """A namespace that loses a rule's allowing labels: allowed, with the drift named."""
        if new is None or old is None:
            return _allowed("a new namespace")
        exempt = self._config.exempt_namespace_set(own_namespace=self._own_namespace)
        warnings = []
        for rule in self._config.rules:
            verdicts = [
                judge_namespace(
                    rule,
                    namespace=new.name,
                    labels=obj.metadata.labels,
                    exempt_namespaces=exempt,
                    own_namespace=self._own_namespace,
                )
                for obj in (old, new)
            ]
            if verdicts[0].allowed and not verdicts[1].allowed and not verdicts[1].system_exempt:
                warnings.append(
                    f"{rule.name}: namespace {new.name}: {verdicts[1].reason}; any {rule.name} "
                    f"component already there is now drift ({rule.fix_hint})"
                )
        return Response(allowed=True, why="namespace relabel", warnings=bounded_warnings(warnings))


def _what_makes_it_worse(
    request: ReviewRequest, *, new: KubeObject, old: KubeObject | None, was: bool
) -> str | None:
    """Why this request makes things worse (text to add to the message), or None if it does not."""
    if request.operation == "CREATE":
        return ""
    if old is None or not was:
        return " (this update makes it the component)"
    if new.desired_pods > old.desired_pods:
        pods = f"{old.desired_pods} to {new.desired_pods}"
        return f" (this update raises its desired pods from {pods})"
    return None
