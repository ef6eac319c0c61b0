"""Admission: one review request and its namespace's labels -> allowed, denied or warned.

The webhook reads a review into a ReviewRequest and resolves the namespace's labels;
the judgement is here, pure and synchronous, built on the core's own rule (`Decider`)
and wording (`Decision.message`), so a denial and an audit report never disagree.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tiergate.admission_request import (
    CONTROLLER_USERNAMES,
    Pending,
    ReviewRequest,
    is_controller_manager,
    passed_over,
    what_makes_it_worse,
)
from tiergate.admission_response import Response, Result, RuleResult, Tally, allowed
from tiergate.classification import classify
from tiergate.config import Enforcement, TiergateConfig
from tiergate.decision import Decider, Decision
from tiergate.kinds import SCALABLE_KINDS
from tiergate.objects import KubeObject
from tiergate.reading import ObjectError, reread_unchanged
from tiergate.sieve import Sieve
from tiergate.text import bounded_warnings

# Callers import the request and response types from here, with Admission.
__all__ = [
    "CONTROLLER_USERNAMES",
    "Admission",
    "Pending",
    "Response",
    "Result",
    "ReviewRequest",
    "RuleResult",
    "is_controller_manager",
]

_SCALABLE = {(k.group, k.plural): k for k in SCALABLE_KINDS}
# Messages remembered by what they are worded from; far more than the objects a
# cluster updates between two releases of a chart.
_MESSAGE_LIMIT = 4096


class Admission:
    """Judges review requests for one configuration.

    `deny_unknown` says what a component request gets when its namespace's labels
    are unknown (the API could not be read): denied, or allowed with a warning.
    """

    def __init__(
        self, config: TiergateConfig, *, own_namespace: str, deny_unknown: bool = True
    ) -> None:
        self._config = config
        self._decider = Decider(config, own_namespace=own_namespace)
        self._deny_unknown = deny_unknown
        self._sieve = Sieve(config)
        self._messages: dict[tuple[object, ...], str] = {}

    def screen(self, request: ReviewRequest) -> Response | Pending:
        """A response at once (no lookup), or a Pending candidate that needs its namespace.

        Raises ObjectError when the object (or a Scale's replicas) cannot be read.
        """
        if request.operation not in ("CREATE", "UPDATE"):
            return allowed(f"{request.operation or 'no operation'} is never judged")
        if request.sub_resource == "status":
            return allowed("the status subresource is never judged")
        old: KubeObject | None = None
        scaled = request.sub_resource == "scale"
        if scaled:
            new, old = self._scaled(request)
        else:
            new = self._candidate(request.object)
        if request.kind == "Namespace" and request.group == "":
            return self._relabel(new=new, old=self._old(request))
        why = passed_over(request, new=new)
        if why is not None or new is None:
            return allowed(why or "not a candidate")
        namespace = request.namespace or new.namespace or ""
        return Pending(request=request, namespace=namespace, new=new, old=old, old_read=scaled)

    def judge(
        self, pending: Pending, *, labels: Mapping[str, str] | None, now: datetime
    ) -> Response:
        """The verdict on a candidate, given its namespace's labels (None: unknown)."""
        request, new = pending.request, pending.new
        old, was_component = pending.old, None
        tally = Tally()
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
            worse = what_makes_it_worse(
                request, new=new, old=old, was=decision.rule.name in was_component
            )
            text = self._message(
                decision, kind=new.kind, name=new.name, namespace=pending.namespace
            )
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
        return self._decider.decide(obj, namespace_labels=labels, now=now)

    def _message(self, decision: Decision, *, kind: str, name: str, namespace: str) -> str:
        """`decision.message(...)`: the same object is updated again and again (every
        `helm upgrade` of its release), and its wording depends on these alone."""
        verdict = decision.verdict
        key = (decision.rule.name, verdict.reason, decision.match.matched_by, kind, name, namespace)
        text = self._messages.get(key)
        if text is None:
            if len(self._messages) >= _MESSAGE_LIMIT:
                self._messages.clear()
            text = decision.message(kind=kind, name=name, namespace=namespace)
            self._messages[key] = text
        return text

    def _unknown(self, tally: Tally, *, decision: Decision, new: KubeObject) -> None:
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
            return allowed("a new namespace")
        warnings = []
        for rule in self._config.rules:
            verdicts = [
                self._decider.namespace_verdict(
                    rule, namespace=new.name, labels=obj.metadata.labels
                )
                for obj in (old, new)
            ]
            if verdicts[0].allowed and not verdicts[1].allowed and not verdicts[1].system_exempt:
                warnings.append(
                    f"{rule.name}: namespace {new.name}: {verdicts[1].reason}; any {rule.name} "
                    f"component already there is now drift ({rule.fix_hint})"
                )
        return Response(allowed=True, why="namespace relabel", warnings=bounded_warnings(warnings))
