"""One remediation round after a pass: the callable `auditor --once` and the loop both use.

`Remediator.after_pass(report)` refuses an incomplete pass, checks the Lease,
reads the namespaces and the shared state, records first-seen times and the
breaker, saves them, and only then acts on the stacks whose grace has passed,
up to the cap, each object judged again and the Lease checked before each write.
Grace and an exemption's expiry are measured on the API server's clock
(`KubeApi.server_time`), which every replica reads alike, never on the replica's own.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from auditor.clock import Clock
from auditor.remediation.acting import Acting
from auditor.remediation.breaker import BreakerLimits, BreakerState, Picture, suspicious
from auditor.remediation.exemptions import exempt_on_server_clock
from auditor.remediation.grace import due, observe
from auditor.remediation.metrics import RemediationMetrics
from auditor.remediation.stacks import Plan, Stack, Target, plan_stacks
from auditor.remediation.state_store import (
    CHUNK_BYTES,
    State,
    StateTooLargeError,
    StateUnreadableError,
    load_state,
    raw_versions,
    save_state,
)
from auditor.remediation.uninterrupted import finished_even_if_cancelled
from tiergate.config import TiergateConfig
from tiergate.decision import Decider
from tiergate.findings import AuditReport
from tiergate.remediation_report import (
    CircuitBreaker,
    ObjectRef,
    Pending,
    RemediateMode,
    RemediationSection,
)
from tiergate_edge.kube_api import ApiError, KubeApi
from tiergate_edge.listing import list_pages

if TYPE_CHECKING:
    from auditor.settings import AuditorSettings


OFF = "remediation is off (--remediate off)"  # `blocked` in every round of `off`
NO_SERVER_TIME = (
    "the API server's time is unknown (its responses carry no usable Date header): "
    "grace is measured on its clock only, so nothing is recorded or remediated"
)


class Leadership(Protocol):
    """What remediation needs of leader election: is the Lease still ours, read now?"""

    async def confirm(self) -> bool: ...


@dataclass(frozen=True)
class RemediationSettings:
    mode: RemediateMode
    grace_seconds: float
    max_remediations: int
    own_namespace: str
    identity: str
    limits: BreakerLimits = field(default_factory=BreakerLimits)
    chunk_bytes: int = CHUNK_BYTES
    page_size: int = 500

    @classmethod
    def of(cls, settings: "AuditorSettings") -> "RemediationSettings":
        return cls(
            mode=settings.remediate,
            grace_seconds=settings.grace,
            max_remediations=settings.max_remediations,
            own_namespace=settings.own_namespace,
            identity=settings.identity,
            page_size=settings.page_size,
        )


def _ref(target: Target) -> ObjectRef:
    return ObjectRef(
        rule=target.rule,
        namespace=target.namespace,
        kind=target.kind,
        name=target.name,
        uid=target.uid,
    )


class Remediator:
    def __init__(
        self,
        api: KubeApi,
        *,
        config: TiergateConfig,
        settings: RemediationSettings,
        leadership: Leadership,
        clock: Clock,
        metrics: RemediationMetrics | None = None,
    ) -> None:
        self._api = api
        self._config = config
        self._decider = Decider(config, own_namespace=settings.own_namespace)
        self._settings = settings
        self._leadership = leadership
        self._clock = clock
        self._metrics = metrics

    def _section(self, **fields: object) -> RemediationSection:
        settings = self._settings
        return RemediationSection.model_validate(
            {
                "mode": settings.mode,
                "grace_seconds": settings.grace_seconds,
                "max_remediations": settings.max_remediations,
                **fields,
            }
        )

    async def after_pass(self, report: AuditReport) -> RemediationSection:
        """Remediate what the pass found, as far as every check allows; never raises
        for the API: what could not be done is in the section it returns."""
        refused = await self._refused(report)
        if refused is not None:
            return self._section(blocked=refused)
        try:
            namespaces = await self._namespaces()
            state = await self._state()
        except ApiError as error:
            return self._section(blocked=f"the remediation state could not be read: {error}")
        # Not the replica's wall clock: a replica behind another would shorten the grace
        # the other started, and one ahead would end its own early.
        now = self._api.server_time()
        if now is None:
            return self._section(blocked=NO_SERVER_TIME)
        # A pass that judged on the replica's clock (the server's time unknown then) may
        # have ended an exemption early: no grace starts for what is exempt by the server's.
        report = exempt_on_server_clock(report, config=self._config, now=now)
        plan = self._record(report, state=state, namespaces=namespaces, now=now)
        if not await self._leadership.confirm():
            return self._section(blocked="this replica lost the Lease")
        try:
            # Saved whole even if the Lease is lost meanwhile: a state cut off between its
            # chunks would be read back as unreadable.
            await finished_even_if_cancelled(
                save_state(
                    self._api,
                    namespace=self._settings.own_namespace,
                    state=state,
                    chunk_bytes=self._settings.chunk_bytes,
                )
            )
        except (ApiError, StateTooLargeError) as error:
            return self._section(blocked=f"the remediation state could not be saved: {error}")
        return await self._act(plan, state=state, now=self._api.server_time() or now)

    async def _refused(self, report: AuditReport) -> str | None:
        """Why the round may not start at all, or None."""
        if report.incomplete_reasons:
            return "the pass was incomplete: nothing is remediated from it"
        if not await self._leadership.confirm():
            return "this replica does not hold the Lease"
        return None

    async def _namespaces(self) -> dict[str, dict[str, str]]:
        labels: dict[str, dict[str, str]] = {}
        async for items in list_pages(
            self._api,
            path="/api/v1/namespaces",
            kind="Namespace",
            api_version="v1",
            page_size=self._settings.page_size,
        ):
            for item in items:
                metadata = item.get("metadata") or {}
                labels[str(metadata.get("name"))] = dict(metadata.get("labels") or {})
        return labels

    async def _state(self) -> State:
        try:
            return await load_state(self._api, namespace=self._settings.own_namespace)
        except StateUnreadableError as error:
            # Times unknown: start them over (later, never sooner), and stop until an admin looks.
            state = State(
                versions=await raw_versions(self._api, namespace=self._settings.own_namespace)
            )
            state.breaker = BreakerState(
                reason=f"the remediation state could not be read: {error}",
                opened_at=self._clock.wall().isoformat(),
            )
            return state

    def _picture(self, report: AuditReport, *, namespaces: dict[str, dict[str, str]]) -> Picture:
        allowed = 0
        for rule in self._config.rules:
            for name, labels in namespaces.items():
                verdict = self._decider.namespace_verdict(rule, namespace=name, labels=labels)
                allowed += verdict.allowed and not verdict.system_exempt
        violations = sum(1 for f in report.findings if f.is_violation)
        return Picture(allowed_namespaces=allowed, violations=violations)

    def _record(
        self,
        report: AuditReport,
        *,
        state: State,
        namespaces: dict[str, dict[str, str]],
        now: datetime,
    ) -> Plan:
        """First-seen times (at `now`, the server's time) and the breaker, updated in
        `state`; the plan of the pass."""
        picture = self._picture(report, namespaces=namespaces)
        reason = suspicious(state.picture, picture, limits=self._settings.limits)
        if reason is not None and state.breaker is None:
            state.breaker = BreakerState(reason=reason, opened_at=now.isoformat())
        state.picture = picture
        blocked = {u.namespace for u in report.undetermined if u.namespace is not None}
        state.first_seen = observe(
            state.first_seen, report=report, now=now, keep_namespaces=blocked
        )
        return plan_stacks(
            report,
            config=self._config,
            namespaces=namespaces,
            own_namespace=self._settings.own_namespace,
        )

    async def _act(self, plan: Plan, *, state: State, now: datetime) -> RemediationSection:
        grace = self._settings.grace_seconds
        pending: list[Pending] = []
        ready: list[tuple[Stack, list[Target]]] = []
        waiting: Counter[str] = Counter()
        for stack in plan.stacks:
            due_targets = []
            for target in stack.targets:
                when = due(
                    state.first_seen, namespace=target.namespace, uid=target.uid, grace=grace
                )
                if when.reached(now):
                    due_targets.append(target)
                else:
                    pending.append(
                        Pending(
                            **_ref(target).model_dump(),
                            first_seen=when.first_seen.isoformat(),
                            due=when.due.isoformat(),
                        )
                    )
            if len(due_targets) < len(stack.targets):
                waiting[stack.rule.name] += 1
            if due_targets:
                ready.append((stack, due_targets))
        breaker = CircuitBreaker(
            open=state.breaker is not None,
            reason=state.breaker.reason if state.breaker else None,
            opened_at=state.breaker.opened_at if state.breaker else None,
        )
        if self._metrics is not None:
            rules = [r.name for r in self._config.rules]
            self._metrics.show(breaker_open=breaker.open, pending=waiting, rules=rules)
        common = {"circuit_breaker": breaker, "pending": pending, "held": plan.held}
        if self._settings.mode == RemediateMode.OFF:
            return self._section(blocked=OFF, **common)
        if breaker.open:
            return self._section(
                blocked="the circuit breaker is open: no remediation until it is reset", **common
            )
        acting = Acting(
            self._api,
            decider=self._decider,
            settings=self._settings,
            leadership=self._leadership,
            clock=self._clock,
            metrics=self._metrics,
        )
        cap = self._settings.max_remediations
        deferred = [_ref(t) for _, targets in ready[cap:] for t in targets]
        for stack, targets in ready[:cap]:
            if not await acting.stack(stack, targets=targets):
                return self._section(
                    blocked="this replica lost the Lease while remediating",
                    actions=acting.actions,
                    deferred=deferred,
                    **common,
                )
        return self._section(actions=acting.actions, deferred=deferred, **common)
