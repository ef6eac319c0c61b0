"""The auditor's Prometheus metrics, in one registry passed in (never the global one).

Drift comes from a custom collector that yields the last complete report this
replica made as leader: fixed drift disappears with the next report, no series go
stale, and a follower (or a new leader before its first pass) exports none.
Names come from auditor.metric_names only.
"""

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from auditor import metric_names as names
from tiergate.findings import AuditReport, Drift, Finding, summarize
from tiergate_edge.kube_api import ApiError

# From a small cluster's second to a large one's minutes, past the default 60 s interval.
PASS_BUCKETS = (0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
CONNECTION = "connection"  # the `code` of an API error that had no HTTP status


def _flag(value: bool) -> str:  # noqa: FBT001 - a label value
    return "true" if value else "false"


def _drifting(report: AuditReport) -> list[Finding]:
    """What the drift gauges count: every finding that is not exempt."""
    return [f for f in report.findings if not f.exempt]


class DriftCollector(Collector):
    """Yields the drift of the report last `publish`ed; nothing until then, or after `clear`."""

    def __init__(self) -> None:
        self._report: AuditReport | None = None
        self._completed_at = 0.0

    def publish(self, report: AuditReport, *, completed_at: float | None = None) -> None:
        """Export `report`; `completed_at` (Unix time) when it is a new complete pass."""
        self._report = report
        if completed_at is not None:
            self._completed_at = completed_at

    def clear(self) -> None:
        self._report = None

    @property
    def report(self) -> AuditReport | None:
        return self._report

    def collect(self) -> Iterator[Metric]:
        report = self._report
        if report is None:
            return
        yield from _drift_families(report)
        yield from _waste_families(report)
        scanned = GaugeMetricFamily(
            names.OBJECTS_SCANNED,
            "Objects read per kind in the last complete pass.",
            labels=["kind"],
        )
        for kind, count in sorted(report.scanned.items()):
            scanned.add_metric([kind], count)
        yield scanned
        yield GaugeMetricFamily(
            names.LAST_COMPLETE_PASS,
            "When this replica's last complete pass as leader ended (Unix time).",
            value=self._completed_at,
        )


def _drift_families(report: AuditReport) -> Iterator[Metric]:
    per_namespace = GaugeMetricFamily(
        names.NAMESPACE_DRIFT,
        "Drifting objects per namespace; only namespaces with drift have series.",
        labels=["rule", "namespace", "kind", "drift", "dormant"],
    )
    objects = GaugeMetricFamily(
        names.DRIFT_OBJECTS,
        "Drifting objects (exempt ones not counted).",
        labels=["rule", "drift", "dormant"],
    )
    namespaces = GaugeMetricFamily(
        names.DRIFT_NAMESPACES,
        "Namespaces with drifting objects.",
        labels=["rule", "drift", "dormant"],
    )
    undetermined = GaugeMetricFamily(
        names.UNDETERMINED_OBJECTS,
        "Objects that could not be judged (their namespace's labels are unknown).",
        labels=["rule"],
    )
    drifting = _drifting(report)
    by_namespace = Tally((f.rule, f.namespace, f.kind, f.drift.value, f.dormant) for f in drifting)
    for (rule, namespace, kind, drift, dormant), count in sorted(by_namespace.items()):
        per_namespace.add_metric([rule, namespace, kind, drift, _flag(dormant)], count)
    # Totals have a series (zero included) for every rule, drift and dormant value, so an
    # alert can tell "no drift" from "no data".
    for rule in report.summary.rules:
        for drift in Drift:
            for dormant in (False, True):
                matching = [
                    f for f in drifting if (f.rule, f.drift, f.dormant) == (rule, drift, dormant)
                ]
                labels = [rule, drift.value, _flag(dormant)]
                objects.add_metric(labels, len(matching))
                namespaces.add_metric(labels, len({f.namespace for f in matching}))
        undetermined.add_metric([rule], sum(1 for u in report.undetermined if u.rule == rule))
    yield from (per_namespace, objects, namespaces, undetermined)


def _waste_families(report: AuditReport) -> Iterator[Metric]:
    cpu = GaugeMetricFamily(
        names.WASTE_CPU,
        "CPU cores requested by unwanted running components (replicas counted).",
        labels=["rule"],
    )
    memory = GaugeMetricFamily(
        names.WASTE_MEMORY,
        "Memory bytes requested by unwanted running components (replicas counted).",
        labels=["rule"],
    )
    workloads = GaugeMetricFamily(
        names.WASTE_WORKLOADS, "Unwanted running component workloads.", labels=["rule"]
    )
    for rule in report.summary.rules:
        waste = summarize(
            [f for f in report.findings if f.rule == rule],
            undetermined=[],
            namespaces=0,
            objects=0,
            rules=[rule],
        ).waste
        cpu.add_metric([rule], waste.requests.cpu_millicores / 1000)
        memory.add_metric([rule], waste.requests.memory_bytes)
        workloads.add_metric([rule], waste.workloads)
    yield from (cpu, memory, workloads)


@dataclass(frozen=True)
class AuditorMetrics:
    drift: DriftCollector
    interval: Gauge
    pass_duration: Histogram
    pass_overruns: Counter
    passes: Counter
    api_errors: Counter
    leader: Gauge
    leader_transitions: Counter

    def count_api_error(self, error: ApiError) -> None:
        """KubeApi's on_error hook: one per failed try, by HTTP status."""
        self.api_errors.labels(str(error.code) if error.code else CONNECTION).inc()

    def set_leader(self, leading: bool) -> None:  # noqa: FBT001 - the elector's on_change
        """The elector's on_change: a follower exports no drift."""
        self.leader.set(1 if leading else 0)
        self.leader_transitions.inc()
        if not leading:
            self.drift.clear()


def create_metrics(registry: CollectorRegistry, *, interval_seconds: float) -> AuditorMetrics:
    """Register the auditor's metrics in `registry`."""
    drift = DriftCollector()
    registry.register(drift)
    metrics = AuditorMetrics(
        drift=drift,
        interval=Gauge(
            names.INTERVAL, "The configured time between passes (--interval).", registry=registry
        ),
        pass_duration=Histogram(
            names.PASS_DURATION,
            "Time a pass took, by this replica's clock.",
            buckets=PASS_BUCKETS,
            registry=registry,
        ),
        pass_overruns=Counter(
            names.PASS_OVERRUNS, "Passes that took longer than the interval.", registry=registry
        ),
        passes=Counter(
            names.PASSES,
            "Passes as leader, by result: complete, incomplete, failed, abandoned.",
            ["result"],
            registry=registry,
        ),
        api_errors=Counter(
            names.API_ERRORS,
            "Failed API requests (each try), by HTTP status or `connection`.",
            ["code"],
            registry=registry,
        ),
        leader=Gauge(names.LEADER, "1 while this replica holds the Lease.", registry=registry),
        leader_transitions=Counter(
            names.LEADER_TRANSITIONS,
            "Times this replica took or lost the Lease.",
            registry=registry,
        ),
    )
    metrics.interval.set(interval_seconds)
    return metrics
