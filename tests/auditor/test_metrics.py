"""The auditor's metrics, read back from a fresh registry with get_sample_value."""

import pytest
from prometheus_client import CollectorRegistry

from auditor import metric_names as names
from auditor.metrics import AuditorMetrics, create_metrics
from tests.builders import (
    ENTERPRISE,
    EXPORTER_IMAGE,
    STARTER,
    container,
    deployment,
    namespace,
    run_audit,
)
from tiergate_edge.kube_api import ApiError

RULE = "mosquitto-exporter"
EXPORTER = container("exporter", EXPORTER_IMAGE, cpu="100m", memory="128Mi")


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> AuditorMetrics:
    return create_metrics(registry, interval_seconds=60)


def _drift(registry: CollectorRegistry, namespace_name: str, **labels: str) -> float | None:
    return registry.get_sample_value(
        names.NAMESPACE_DRIFT,
        {
            "rule": RULE,
            "namespace": namespace_name,
            "kind": "Deployment",
            "drift": "unwanted",
            "dormant": "false",
            **labels,
        },
    )


def _total(registry: CollectorRegistry, drift: str, dormant: str = "false") -> float | None:
    return registry.get_sample_value(
        names.DRIFT_OBJECTS, {"rule": RULE, "drift": drift, "dormant": dormant}
    )


def test_nothing_about_drift_is_exported_before_the_first_complete_pass(
    registry: CollectorRegistry, metrics: AuditorMetrics
) -> None:
    assert metrics.drift.report is None
    for name in (names.LAST_COMPLETE_PASS, names.WASTE_CPU, names.DRIFT_OBJECTS):
        assert all(not f.samples for f in registry.collect() if f.name == name)
    assert registry.get_sample_value(names.INTERVAL) == 60
    assert registry.get_sample_value(names.LEADER) == 0


def test_a_complete_pass_exports_drift_per_namespace_totals_waste_and_its_time(
    registry: CollectorRegistry, metrics: AuditorMetrics
) -> None:
    report = run_audit(
        STARTER,
        ENTERPRISE,
        deployment("tenant-mosquitto-exporter", "customer-s1", EXPORTER, replicas=3),
        deployment("idle-mosquitto-exporter", "customer-s1", EXPORTER, replicas=0),
    )
    metrics.drift.publish(report, completed_at=1_760_000_000.0)
    assert _drift(registry, "customer-s1") == 1
    assert _drift(registry, "customer-s1", dormant="true") == 1
    assert _drift(registry, "customer-e1") is None, "no series for a namespace without drift"
    assert (_total(registry, "unwanted"), _total(registry, "unwanted", "true")) == (1, 1)
    assert (_total(registry, "missing"), _total(registry, "orphaned")) == (0, 0)
    namespaces = {"rule": RULE, "drift": "unwanted", "dormant": "false"}
    assert registry.get_sample_value(names.DRIFT_NAMESPACES, namespaces) == 1
    assert registry.get_sample_value(names.WASTE_CPU, {"rule": RULE}) == pytest.approx(0.3)
    assert registry.get_sample_value(names.WASTE_MEMORY, {"rule": RULE}) == 3 * 128 * 2**20
    assert registry.get_sample_value(names.WASTE_WORKLOADS, {"rule": RULE}) == 1
    assert registry.get_sample_value(names.UNDETERMINED_OBJECTS, {"rule": RULE}) == 0
    assert registry.get_sample_value(names.OBJECTS_SCANNED, {"kind": "Deployment"}) == 2
    assert registry.get_sample_value(names.LAST_COMPLETE_PASS) == 1_760_000_000.0


def test_fixed_drift_disappears_with_the_next_report_and_leaves_no_stale_series(
    registry: CollectorRegistry, metrics: AuditorMetrics
) -> None:
    drifting = deployment("tenant-mosquitto-exporter", "customer-s1", EXPORTER)
    metrics.drift.publish(run_audit(STARTER, drifting), completed_at=1.0)
    assert _drift(registry, "customer-s1") == 1
    relabelled = namespace("customer-s1", **{"monitoring.dedicated": "true"})
    metrics.drift.publish(run_audit(relabelled, drifting), completed_at=2.0)
    assert _drift(registry, "customer-s1") is None
    assert _total(registry, "unwanted") == 0
    assert registry.get_sample_value(names.WASTE_CPU, {"rule": RULE}) == 0


def test_a_replica_that_stops_leading_stops_exporting_drift_but_not_its_status(
    registry: CollectorRegistry, metrics: AuditorMetrics
) -> None:
    metrics.set_leader(True)
    drifting = deployment("tenant-mosquitto-exporter", "customer-s1", EXPORTER)
    metrics.drift.publish(run_audit(STARTER, drifting), completed_at=1.0)
    metrics.set_leader(False)
    assert _drift(registry, "customer-s1") is None
    assert registry.get_sample_value(names.LAST_COMPLETE_PASS) is None
    assert registry.get_sample_value(names.LEADER) == 0
    assert registry.get_sample_value(names.LEADER_TRANSITIONS) == 2


@pytest.mark.parametrize(
    ("codes", "expected"),
    [((429, 429, 503), {"429": 2, "503": 1}), ((0, 403), {"connection": 1, "403": 1})],
    ids=["by HTTP status", "a connection failure has no status"],
)
def test_api_errors_are_counted_by_code(
    registry: CollectorRegistry,
    metrics: AuditorMetrics,
    codes: tuple[int, ...],
    expected: dict[str, int],
) -> None:
    for code in codes:
        metrics.count_api_error(ApiError("failed", code=code))
    for label, count in expected.items():
        assert registry.get_sample_value(names.API_ERRORS, {"code": label}) == count


def test_every_metric_name_of_the_service_is_one_of_the_named_constants(
    registry: CollectorRegistry, metrics: AuditorMetrics
) -> None:
    metrics.drift.publish(run_audit(STARTER), completed_at=1.0)
    metrics.passes.labels("complete").inc()
    metrics.api_errors.labels("500").inc()
    constants = {v for k, v in vars(names).items() if k.isupper() and k != "PREFIX"}
    exported = {f.name for f in registry.collect()}
    # client_python strips `_total` from a counter family's name.
    assert {n for n in exported if n not in constants and n + "_total" not in constants} == set()
    service = constants - {names.REMEDIATIONS, names.CIRCUIT_BREAKER_OPEN, names.GRACE_PENDING}
    assert {c.removesuffix("_total") for c in service} <= exported
