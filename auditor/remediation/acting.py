"""Acting on one stack: for each object in order, the Lease, a fresh judgement, the write,
and its traces (Event, log line, metric, the report's action with the redacted manifest).

The first object that cannot be written stops the stack: what follows it waits
for the next pass, judged afresh.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.clock import Clock
from auditor.remediation.recheck import read_again
from auditor.remediation.redaction import redacted
from auditor.remediation.stacks import Stack, Target
from auditor.remediation.traces import log_action, post_event
from auditor.remediation.uninterrupted import finished_even_if_cancelled
from auditor.remediation.writes import already_done, write
from tiergate.decision import Decider
from tiergate.remediation_report import Action, ActionResult, RemediateMode
from tiergate_edge.kube_api import ApiError, ConflictError, KubeApi

if TYPE_CHECKING:
    from auditor.remediation.metrics import RemediationMetrics
    from auditor.remediation.remediator import Leadership, RemediationSettings


class Acting:
    """The actions of one round, in the order they were taken."""

    def __init__(
        self,
        api: KubeApi,
        *,
        decider: Decider,
        settings: "RemediationSettings",
        leadership: "Leadership",
        clock: Clock,
        metrics: "RemediationMetrics | None",
    ) -> None:
        self._api = api
        self._decider = decider
        self._settings = settings
        self._leadership = leadership
        self._clock = clock
        self._metrics = metrics
        self.actions: list[Action] = []

    def _now(self) -> datetime:
        """The API server's time for the traces, so replicas' timestamps agree; the
        replica's own only while it is unknown (a timestamp, not a judgement)."""
        return self._api.server_time() or self._clock.wall()

    async def stack(self, stack: Stack, *, targets: list[Target]) -> bool:
        """Act on the stack's due objects in order; False if the Lease was lost."""
        for target in targets:
            if not await self._leadership.confirm():
                return False
            if not await self._one(stack, target=target):
                break
        return True

    async def _one(self, stack: Stack, *, target: Target) -> bool:
        """One object; True if the stack may go on to the next."""
        try:
            current = await read_again(self._api, target=target, decider=self._decider)
        except ApiError as error:
            self._done(stack, target=target, result=ActionResult.FAILED, reason=str(error))
            return False
        document = current.document
        if document is None:
            self._done(stack, target=target, result=ActionResult.SKIPPED, reason=current.skip)
            return True
        unchanged = already_done(document, action=stack.action)
        if unchanged is not None:
            self._done(stack, target=target, result=ActionResult.SKIPPED, reason=unchanged)
            return True
        # Once sent, the write may be applied whatever happens here: a cancellation (the
        # Lease lost mid-round) waits for its answer, so that the action is traced.
        return await finished_even_if_cancelled(
            self._write(stack, target=target, path=current.path, document=document)
        )

    async def _write(
        self, stack: Stack, *, target: Target, path: str, document: dict[str, Any]
    ) -> bool:
        """The write, then its trace: the action, its log line and metric, its Event."""
        settings = self._settings
        dry_run = settings.mode == RemediateMode.DRY_RUN
        try:
            await write(
                self._api,
                path=path,
                document=document,
                action=stack.action,
                dry_run=dry_run,
            )
        except ApiError as error:
            why = (
                f"changed since it was judged, so it was left alone: {error}"
                if isinstance(error, ConflictError)
                else str(error)
            )
            self._done(stack, target=target, result=ActionResult.FAILED, reason=why)
            return False
        result = ActionResult.DRY_RUN if dry_run else ActionResult.DONE
        reason = (
            f"unwanted for at least the grace period ({settings.grace_seconds:g} s) across "
            "complete passes; "
            f"judged again just before the write: it still violates rule {target.rule}"
        )
        action = self._done(stack, target=target, result=result, reason=reason, document=document)
        if not dry_run:
            await post_event(
                self._api,
                action=action,
                document=document,
                identity=settings.identity,
                now=self._now(),
            )
        return True

    def _done(
        self,
        stack: Stack,
        *,
        target: Target,
        result: ActionResult,
        reason: str | None,
        document: dict[str, Any] | None = None,
    ) -> Action:
        release = target.helm_release or stack.helm_release
        action = Action(
            rule=target.rule,
            namespace=target.namespace,
            kind=target.kind,
            name=target.name,
            uid=target.uid,
            action=stack.action.value,
            result=result,
            reason=reason or "",
            at=self._now().isoformat(),
            helm_release=release,
            fix_hint=stack.rule.fix_hint if release else None,
            manifest=redacted(document) if document is not None else None,
        )
        self.actions.append(action)
        mode = self._settings.mode.value
        log_action(action, mode=mode)
        if self._metrics is not None:
            self._metrics.counted(
                rule=target.rule, action=action.action, result=result.value, mode=mode
            )
        return action
