"""One audit pass, the same for `auditor --once` and for every pass of the service.

A source (files or the live cluster) gives a snapshot and the time to judge it at
(an exemption's expiry: the API server's for the cluster), the core judges it, and the
report carries the pass's duration by the injected clock. A prompt re-audit of one
namespace replaces that namespace's part of the last report.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, Protocol

from auditor.clock import Clock
from auditor.file_source import AssumedNamespace, build_snapshot, collector_paused, read_inputs
from tiergate.audit import Snapshot, audit
from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport, summarize
from tiergate.sieve import Sieve

if TYPE_CHECKING:  # the API client (aiohttp) is loaded for the cluster only, not for files
    from tiergate_edge.kube_api import KubeApi


class Source(Protocol):
    def sieve(self, config: TiergateConfig) -> Sieve:
        """A fresh sieve for one pass over this source."""
        ...

    async def snapshot(self, *, sieve: Sieve, config: TiergateConfig) -> Snapshot: ...

    def judging_time(self, clock: Clock) -> datetime:
        """Now, for judging what depends on time (an exemption's expiry) after a snapshot."""
        ...


@dataclass
class FileSource:
    """Manifests named with -f; `notes` says what reading them noticed (for stderr)."""

    paths: Sequence[str]
    stdin: BinaryIO | None
    max_bytes: int
    assumed: AssumedNamespace | None
    notes: list[str] = field(default_factory=list)

    def sieve(self, config: TiergateConfig) -> Sieve:
        default = self.assumed.name if self.assumed else None
        return Sieve(config, default_namespace=default, remember_drops=True)

    async def snapshot(self, *, sieve: Sieve, config: TiergateConfig) -> Snapshot:
        del config
        reading = read_inputs(self.paths, stdin=self.stdin, max_bytes=self.max_bytes, sieve=sieve)
        snapshot, notes = build_snapshot(reading, assumed=self.assumed)
        self.notes = [*reading.notes, *notes]
        return snapshot

    def judging_time(self, clock: Clock) -> datetime:
        return clock.wall()  # files have no server: the local clock is the only one


@dataclass(frozen=True)
class ClusterSource:
    """The live cluster, or one namespace of it (`scope`) for a prompt re-audit."""

    api: "KubeApi"
    page_size: int
    scope: str | None = None

    def sieve(self, config: TiergateConfig) -> Sieve:
        return Sieve(config, default_namespace=None, remember_drops=False)

    async def snapshot(self, *, sieve: Sieve, config: TiergateConfig) -> Snapshot:
        # Imported here: a run on files starts faster without the cluster reader.
        from auditor.cluster_source import read_cluster  # noqa: PLC0415

        return await read_cluster(
            self.api, sieve=sieve, config=config, page_size=self.page_size, scope=self.scope
        )

    def judging_time(self, clock: Clock) -> datetime:
        # The server's clock, which every replica reads alike: one ahead of it would end an
        # exemption early. Unknown (no usable Date), the report keeps the replica's clock;
        # remediation judges the expiry again on the server's before it records or acts.
        return self.api.server_time() or clock.wall()


async def run_once(
    source: Source, *, config: TiergateConfig, clock: Clock, own_namespace: str
) -> AuditReport:
    """Read the source, judge it, and time it: the report of one pass."""
    sieve = source.sieve(config)
    started = clock.monotonic()
    with collector_paused():
        snapshot = await source.snapshot(sieve=sieve, config=config)
        now = source.judging_time(clock)
        report = audit(snapshot, config=config, own_namespace=own_namespace, now=now)
    duration = round(clock.monotonic() - started, 3)
    return report.model_copy(update={"duration_seconds": duration})


def with_namespace(report: AuditReport, *, namespace: str, audited: AuditReport) -> AuditReport:
    """`report` with the findings of `namespace` replaced by those of its re-audit."""
    findings = [f for f in report.findings if f.namespace != namespace] + audited.findings
    undetermined = [u for u in report.undetermined if u.namespace != namespace]
    undetermined += audited.undetermined
    summary = summarize(
        findings,
        undetermined=undetermined,
        namespaces=report.summary.namespaces,
        objects=report.summary.objects,
        rules=report.summary.rules,
    )
    return report.model_copy(
        update={"findings": findings, "undetermined": undetermined, "summary": summary}
    )
