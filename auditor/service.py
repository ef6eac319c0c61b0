"""The auditor as a service: a pass every interval while this replica holds the Lease.

A relabelled namespace is re-audited at once, without waiting for the interval;
each complete pass is exported as drift and handed to the `after_pass` hook
(remediation plugs in there). Losing the Lease cancels the pass (or the hook's
round) in progress: a follower's listing is for nothing. On stop, a pass in
progress is abandoned and the Lease released, so the other replica takes over at once.
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from auditor.clock import Clock
from auditor.leadership import LeaseElector
from auditor.metrics import AuditorMetrics
from auditor.passes import ClusterSource, run_once, with_namespace
from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.namespace_watch import Labels, NamespaceWatch

LOGGER = logging.getLogger("tiergate.auditor")
INTERVAL_JITTER = 0.1  # passes of several auditors (or clusters) do not stay in step
AfterPass = Callable[[AuditReport], Awaitable[None]]


async def no_after_pass(report: AuditReport) -> None:
    """The default hook: nothing after a pass."""
    del report


@dataclass
class ServiceReadiness:
    """Ready after the first pass as leader, or once a follower; never unready again
    but while shutting down (an API blip must not take every replica out at once)."""

    following: Callable[[], bool] = lambda: False
    ready: bool = False
    draining: bool = False

    def missing(self) -> list[str]:
        self.ready = self.ready or self.following()
        waiting = [] if self.ready else ["the first pass as leader, or a Lease held by another"]
        return ["shutting down", *waiting] if self.draining else waiting


class AuditorService:
    """One replica's passes, re-audits and election; `run(stop=...)` until stopped."""

    def __init__(
        self,
        api: KubeApi,
        *,
        config: TiergateConfig,
        clock: Clock,
        elector: LeaseElector,
        metrics: AuditorMetrics,
        own_namespace: str,
        interval_seconds: float,
        page_size: int,
        after_pass: AfterPass = no_after_pass,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._api = api
        self._config = config
        self._clock = clock
        self._elector = elector
        self._metrics = metrics
        self._own_namespace = own_namespace
        self._interval = interval_seconds
        self._page_size = page_size
        self._after_pass = after_pass
        self._jitter = jitter
        self.readiness = ServiceReadiness(following=self._following)
        self._wake = asyncio.Event()
        self._next_pass = 0.0  # monotonic
        self._report: AuditReport | None = None  # the last complete pass, as re-audited since
        self._pending: set[str] = set()
        self._known: dict[str, Labels] | None = None
        self._leading_work: asyncio.Task[None] | None = None  # what a lost Lease cancels
        self.watch = NamespaceWatch(
            api, on_list=self._listed, on_event=self._changed, sleep=clock.sleep
        )

    def leadership_changed(self, leading: bool) -> None:  # noqa: FBT001 - the elector's on_change
        """The elector's hook: a new leader passes at once; a follower exports no drift."""
        self._metrics.set_leader(leading)
        if leading:
            self._next_pass = self._clock.monotonic()
        else:
            self._report = None
            if self._leading_work is not None:
                self._leading_work.cancel()
        self._wake.set()

    def _following(self) -> bool:
        return self._elector.holder not in (None, "", self._elector.identity)

    async def run(self, *, stop: asyncio.Event) -> None:
        """Elect, audit and watch until `stop` is set; then abandon any pass and release."""
        lease_stop = asyncio.Event()
        election = asyncio.create_task(self._elector.run(stop=lease_stop))
        work = [asyncio.create_task(self._loop()), asyncio.create_task(self.watch.run())]
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([stopped, election, *work], return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.readiness.draining = True
            for task in (stopped, *work):
                task.cancel()
            await asyncio.gather(stopped, *work, return_exceptions=True)
            lease_stop.set()
            await election
        for task in work:  # a bug in the loop must not read as a clean stop
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            if self._elector.is_leader():
                await self._while_leading()
            leading = self._elector.is_leader()
            now = self._clock.monotonic()
            pause = self._next_pass - now if leading else self._elector.timing.retry_seconds
            await self._clock.sleep(max(0.0, pause), wake=self._wake)

    async def _while_leading(self) -> None:
        """The leader's work, in a task of its own that losing the Lease cancels: the pass
        is abandoned (counted once, nothing exported), its listing closed, and the loop
        goes back to following. A cancellation of the loop itself (stop) goes on up."""
        work = asyncio.create_task(self._lead())
        self._leading_work = work
        try:
            await work
        except asyncio.CancelledError:
            loop_task = asyncio.current_task()
            if loop_task is not None and loop_task.cancelling():
                raise
            LOGGER.info("the Lease was lost: the work in progress was called off")
        finally:
            self._leading_work = None

    async def _lead(self) -> None:
        if self._pending and self._report is not None:
            await self._reaudit()
        if self._clock.monotonic() >= self._next_pass:
            started = self._clock.monotonic()
            await self._pass()
            spread = 1 + INTERVAL_JITTER * self._jitter()
            self._next_pass = started + self._interval * spread

    async def _pass(self) -> None:
        """One full pass; exported and handed on only if complete and still leading."""
        self._pending.clear()  # the pass reads every namespace; later changes queue again
        started = self._clock.monotonic()
        result = "failed"
        report: AuditReport | None = None
        try:
            report = await self._audit(scope=None)
            result = "complete" if not report.incomplete_reasons else "incomplete"
            if not self._elector.is_leader():
                result = "abandoned"  # the Lease was lost meanwhile: another replica audits
        except asyncio.CancelledError:
            result = "abandoned"
            raise
        except Exception:
            LOGGER.exception("the pass failed")
        finally:
            self._count(result, seconds=self._clock.monotonic() - started)
        if report is None or result != "complete":
            if report is not None and result == "incomplete":
                LOGGER.warning("incomplete pass", extra={"reasons": report.incomplete_reasons})
            return
        self._report = report
        self._metrics.drift.publish(report, completed_at=self._clock.wall().timestamp())
        LOGGER.info("complete pass", extra={"summary": report.summary.counts.model_dump()})
        try:
            await self._after_pass(report)
        except Exception:
            LOGGER.exception("the after-pass hook failed")

    def _count(self, result: str, *, seconds: float) -> None:
        self.readiness.ready = True
        self._metrics.passes.labels(result).inc()
        self._metrics.pass_duration.observe(seconds)
        if seconds > self._interval:
            self._metrics.pass_overruns.inc()

    async def _reaudit(self) -> None:
        """Re-audit each relabelled namespace and replace its part of the exported drift."""
        while self._pending and self._report is not None:
            namespace = self._pending.pop()
            try:
                audited = await self._audit(scope=namespace)
            except Exception:
                LOGGER.exception("re-auditing a namespace failed", extra={"namespace": namespace})
                continue
            if audited.incomplete_reasons or not self._elector.is_leader():
                continue
            self._report = with_namespace(self._report, namespace=namespace, audited=audited)
            self._metrics.drift.publish(self._report)
            LOGGER.info("re-audited a relabelled namespace", extra={"namespace": namespace})

    async def _audit(self, *, scope: str | None) -> AuditReport:
        source = ClusterSource(self._api, page_size=self._page_size, scope=scope)
        return await run_once(
            source, config=self._config, clock=self._clock, own_namespace=self._own_namespace
        )

    def _trimmed(self, labels: Labels | None) -> Labels | None:
        """Only the labels a rule reads: another label's change needs no re-audit."""
        keys = self._config.namespace_label_keys
        return None if labels is None else {k: v for k, v in labels.items() if k in keys}

    def _listed(self, labels: dict[str, Labels]) -> None:
        trimmed = {name: self._trimmed(value) or {} for name, value in labels.items()}
        if self._known is not None:  # a list after a 410 or a dropped watch: what changed?
            for name in self._known.keys() | trimmed.keys():
                if self._known.get(name) != trimmed.get(name):
                    self._pending.add(name)
            self._wake.set()
        self._known = trimmed

    def _changed(self, name: str, labels: Labels | None) -> None:
        known = self._known if self._known is not None else {}
        trimmed = self._trimmed(labels)
        if known.get(name) == trimmed:
            return
        if trimmed is None:
            known.pop(name, None)
        else:
            known[name] = trimmed
        self._pending.add(name)
        self._wake.set()
