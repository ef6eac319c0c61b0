"""Drift findings and the audit report: the stable, documented output schema.

Reports are read by people (table, markdown) and by scripts and alerting (JSON),
so the shape is a pydantic model with camelCase keys and a schema version.
"""

from enum import StrEnum

from pydantic import Field

from tiergate.classification import Role
from tiergate.quantities import Requests, format_cpu, format_memory
from tiergate.remediation_report import RemediationSection
from tiergate.report_model import ReportModel

REPORT_SCHEMA_VERSION = 1


class Drift(StrEnum):
    UNWANTED = "unwanted"
    MISSING = "missing"
    ORPHANED = "orphaned"


class ResourceFigures(ReportModel):
    """Requested CPU and memory, as numbers for scripts and as text for people."""

    cpu_millicores: int = 0
    memory_bytes: int = 0
    cpu: str = "0m"
    memory: str = "0"

    @classmethod
    def of(cls, requests: Requests) -> "ResourceFigures":
        return cls(
            cpu_millicores=requests.cpu_millicores,
            memory_bytes=requests.memory_bytes,
            cpu=format_cpu(requests.cpu_millicores),
            memory=format_memory(requests.memory_bytes),
        )


class Finding(ReportModel):
    rule: str
    drift: Drift
    role: Role
    namespace: str
    kind: str
    name: str
    reason: str
    fix_hint: str
    uid: str | None = None
    dormant: bool = False
    sidecar: bool = False
    init_container: bool = False
    exempt: bool = False
    exemption: str | None = None
    helm_release: str | None = None
    replicas: int = 0
    requests: ResourceFigures = ResourceFigures()

    @property
    def is_violation(self) -> bool:
        """Unwanted or orphaned and not exempt: what makes `auditor --once` exit 1."""
        return self.drift in (Drift.UNWANTED, Drift.ORPHANED) and not self.exempt

    @property
    def alerts(self) -> bool:
        return not self.exempt and not self.dormant


class Undetermined(ReportModel):
    """An object that could not be judged, which makes the audit incomplete."""

    rule: str
    namespace: str | None
    kind: str
    name: str
    reason: str


class DriftCounts(ReportModel):
    unwanted: int = 0
    missing: int = 0
    orphaned: int = 0
    exempt: int = 0
    dormant: int = 0
    undetermined: int = 0


class Waste(ReportModel):
    """What the running, non-exempt unwanted components request, replicas counted."""

    workloads: int = 0
    namespaces: int = 0
    requests: ResourceFigures = ResourceFigures()


class Summary(ReportModel):
    namespaces: int
    objects: int
    rules: list[str]
    counts: DriftCounts
    waste: Waste


class AuditReport(ReportModel):
    """`complete` is false when a kind could not be read (`incomplete_reasons`) or an
    object could not be judged (`undetermined`); `duration_seconds` is set by the
    program that ran the pass."""

    schema_version: int = REPORT_SCHEMA_VERSION
    complete: bool
    incomplete_reasons: list[str] = Field(default_factory=list)
    source: str = ""
    duration_seconds: float | None = None
    scanned: dict[str, int] = Field(default_factory=dict)
    not_scanned: dict[str, str] = Field(default_factory=dict)
    findings: list[Finding]
    undetermined: list[Undetermined] = Field(default_factory=list)
    summary: Summary
    remediation: RemediationSection | None = None  # set by the auditor when it remediates

    @property
    def has_violations(self) -> bool:
        return any(f.is_violation for f in self.findings)


def summarize(
    findings: list[Finding],
    *,
    undetermined: list[Undetermined],
    namespaces: int,
    objects: int,
    rules: list[str],
) -> Summary:
    """Counts and waste; exempt findings are counted apart from their drift."""
    counts = {d: sum(1 for f in findings if f.drift == d and not f.exempt) for d in Drift}
    wasting = [
        f for f in findings if f.drift == Drift.UNWANTED and f.alerts and f.role == Role.WORKLOAD
    ]
    total = sum(
        (Requests(f.requests.cpu_millicores, f.requests.memory_bytes) for f in wasting), Requests()
    )
    return Summary(
        namespaces=namespaces,
        objects=objects,
        rules=rules,
        counts=DriftCounts(
            unwanted=counts[Drift.UNWANTED],
            missing=counts[Drift.MISSING],
            orphaned=counts[Drift.ORPHANED],
            exempt=sum(1 for f in findings if f.exempt),
            dormant=sum(1 for f in findings if f.dormant and not f.exempt),
            undetermined=len(undetermined),
        ),
        waste=Waste(
            workloads=len(wasting),
            namespaces=len({f.namespace for f in wasting}),
            requests=ResourceFigures.of(total),
        ),
    )
