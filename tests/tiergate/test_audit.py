"""The audit pass over a snapshot: every drift kind, ownership, exemptions, completeness."""

from datetime import date
from typing import Any

from tests.builders import (
    BROKER_IMAGE,
    ENTERPRISE,
    EXPORTER_IMAGE,
    NOW,
    STARTER,
    container,
    deployment,
    described,
    exporter_init_pod,
    namespace,
    owned,
    parse_all,
    run_audit,
    service,
)
from tiergate.audit import Scan, Snapshot, audit
from tiergate.config import Exemption, TiergateConfig, default_config
from tiergate.findings import AuditReport, Drift, Finding
from tiergate.reading import parse_object

EXPORTER = "s1-customer-instance-mosquitto-exporter"


def exporter_deployment(ns: str | None = "customer-s1", **kwargs: Any) -> dict[str, Any]:
    return deployment(EXPORTER, ns, container("exporter", EXPORTER_IMAGE), **kwargs)


def broker(ns: str, *, replicas: int = 1) -> dict[str, Any]:
    return deployment(
        f"{ns}-mosquitto", ns, container("mosquitto", BROKER_IMAGE), replicas=replicas
    )


def only(report: AuditReport) -> Finding:
    (finding,) = report.findings
    return finding


def test_an_exporter_stack_in_a_starter_namespace_is_unwanted_once_per_owner() -> None:
    exporter = exporter_deployment(replicas=2)
    replica_set = owned("ReplicaSet", f"{EXPORTER}-6d8f", exporter)
    pods = [owned("Pod", f"{EXPORTER}-6d8f-{n}", replica_set) for n in ("a", "b")]
    exporter_service = service(EXPORTER, "customer-s1", {"app": EXPORTER})
    report = run_audit(STARTER, exporter, replica_set, *pods, exporter_service)
    assert described(report) == [
        ("unwanted", "customer-s1", "Deployment", EXPORTER),
        ("unwanted", "customer-s1", "Service", EXPORTER),
    ]
    workload = report.findings[0]
    assert workload.replicas == 2
    assert (workload.requests.cpu, workload.requests.memory) == ("200m", "256Mi")
    assert "monitoring.dedicated=true (label absent)" in workload.reason
    assert report.complete
    assert report.has_violations
    assert report.summary.waste.requests.cpu_millicores == 200


def test_a_namespace_labelled_monitoring_dedicated_false_is_not_allowed() -> None:
    professional = namespace("customer-s1", **{"monitoring.dedicated": "false"})
    finding = only(run_audit(professional, exporter_deployment()))
    assert finding.drift == Drift.UNWANTED
    assert "(it has monitoring.dedicated=false)" in finding.reason


def test_an_exporter_in_an_enterprise_namespace_is_no_drift() -> None:
    report = run_audit(ENTERPRISE, broker("customer-e1"), exporter_deployment("customer-e1"))
    assert report.findings == []
    assert report.complete
    assert not report.has_violations


def test_an_enterprise_namespace_running_the_broker_without_the_exporter_is_missing_it() -> None:
    finding = only(run_audit(ENTERPRISE, broker("customer-e1")))
    assert (finding.drift, finding.kind, finding.name) == ("missing", "Namespace", "customer-e1")
    assert "runs Deployment customer-e1-mosquitto" in finding.reason
    assert "mosquitto.metrics.enabled=true" in finding.fix_hint
    assert not finding.is_violation


def test_a_scaled_down_broker_expects_no_exporter() -> None:
    assert run_audit(ENTERPRISE, broker("customer-e1", replicas=0)).findings == []


def test_a_scaled_down_exporter_next_to_a_running_broker_is_missing() -> None:
    report = run_audit(
        ENTERPRISE, broker("customer-e1"), exporter_deployment("customer-e1", replicas=0)
    )
    assert described(report) == [("missing", "customer-e1", "Namespace", "customer-e1")]


def test_a_dormant_unwanted_exporter_is_reported_but_neither_alerts_nor_wastes() -> None:
    finding = only(run_audit(STARTER, exporter_deployment(replicas=0)))
    assert finding.dormant
    assert not finding.alerts
    assert finding.is_violation
    assert finding.requests.cpu_millicores == 0


def test_a_suspended_cron_job_exporter_is_dormant() -> None:
    cron_job = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "scrape-once", "namespace": "customer-s1"},
        "spec": {
            "suspend": True,
            "schedule": "*/5 * * * *",
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [container("x", EXPORTER_IMAGE)]}}}
            },
        },
    }
    finding = only(run_audit(STARTER, cron_job))
    assert (finding.kind, finding.dormant) == ("CronJob", True)


def test_a_service_whose_workload_is_gone_is_orphaned_even_where_allowed() -> None:
    selector = {"app.kubernetes.io/component": "mosquitto-exporter"}
    report = run_audit(
        STARTER,
        ENTERPRISE,
        service("metrics", "customer-s1", selector),
        service("metrics", "customer-e1", selector),
    )
    assert described(report) == [
        ("orphaned", "customer-e1", "Service", "metrics"),
        ("orphaned", "customer-s1", "Service", "metrics"),
    ]
    assert all(f.is_violation for f in report.findings)


def test_pods_whose_owner_is_not_in_the_input_are_one_finding_for_that_owner() -> None:
    exporter = exporter_deployment()
    replica_set = owned("ReplicaSet", f"{EXPORTER}-6d8f", exporter)
    pods = [owned("Pod", f"{EXPORTER}-6d8f-{n}", replica_set) for n in ("a", "b", "c")]
    finding = only(run_audit(STARTER, *pods))
    assert (finding.kind, finding.name, finding.replicas) == ("ReplicaSet", f"{EXPORTER}-6d8f", 3)
    assert finding.requests.cpu == "300m"


def test_a_component_in_an_exempt_namespace_is_reported_as_exempt() -> None:
    finding = only(run_audit(exporter_deployment("kube-system")))
    assert finding.exempt
    assert finding.exemption == "exemptNamespaces"
    assert not finding.is_violation
    assert finding.reason.startswith("not judged: namespace kube-system is in exemptNamespaces")


def _with_exemption(exemption: Exemption) -> TiergateConfig:
    (rule,) = default_config().rules
    return TiergateConfig(rules=(rule.model_copy(update={"exemptions": (exemption,)}),))


def test_an_admin_exemption_makes_a_finding_exempt_until_it_expires() -> None:
    active = Exemption(namespace="customer-s*", reason="MQTT pilot", expires=date(2026, 12, 31))
    finding = only(run_audit(STARTER, exporter_deployment(), config=_with_exemption(active)))
    assert (finding.exempt, finding.exemption) == (True, "MQTT pilot")
    assert "exempt until 2026-12-31: MQTT pilot" in finding.reason
    assert not finding.is_violation


def test_an_expired_exemption_no_longer_applies_and_says_so() -> None:
    expired = Exemption(namespace="customer-s1", reason="MQTT pilot", expires=date(2026, 1, 31))
    finding = only(run_audit(STARTER, exporter_deployment(), config=_with_exemption(expired)))
    assert not finding.exempt
    assert "exemption expired 2026-01-31: MQTT pilot" in finding.reason


def test_a_namespace_with_unknown_labels_is_never_judged_allowed() -> None:
    report = run_audit(exporter_deployment("customer-unknown"))
    assert report.findings == []
    assert not report.complete
    (undetermined,) = report.undetermined
    assert (undetermined.namespace, undetermined.kind) == ("customer-unknown", "Deployment")
    assert "labels of namespace customer-unknown are unknown" in undetermined.reason


def test_an_object_without_a_namespace_is_undetermined() -> None:
    report = run_audit(exporter_deployment(None))
    assert not report.complete
    assert report.undetermined[0].reason == "the object names no namespace"


def test_a_broker_in_a_namespace_with_unknown_labels_leaves_the_audit_incomplete() -> None:
    report = run_audit(broker("customer-unknown"))
    assert not report.complete
    assert "unknown whether mosquitto-exporter is expected" in report.undetermined[0].reason


def test_a_sidecar_exporter_is_flagged_and_costs_only_its_own_container() -> None:
    combined = deployment(
        "broker",
        "customer-s1",
        container("mosquitto", BROKER_IMAGE, cpu="500m", memory="1Gi"),
        container("exporter", EXPORTER_IMAGE, cpu="100m", memory="128Mi"),
    )
    finding = only(run_audit(STARTER, combined))
    assert finding.sidecar
    assert (finding.requests.cpu, finding.requests.memory) == ("100m", "128Mi")
    assert "never remediated automatically" in finding.reason


def test_a_helm_managed_stack_names_its_release() -> None:
    labels = {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "s1"}
    finding = only(run_audit(STARTER, exporter_deployment(labels=labels)))
    assert finding.helm_release == "s1"


def test_the_summary_counts_each_drift_and_the_waste_of_running_unwanted_workloads() -> None:
    other = namespace("customer-s2", tier="starter")
    report = run_audit(
        STARTER,
        other,
        ENTERPRISE,
        broker("customer-e1"),
        exporter_deployment(replicas=3),
        deployment("x-mosquitto-exporter", "customer-s2", container("e", EXPORTER_IMAGE)),
        deployment(
            "y-mosquitto-exporter", "customer-s2", container("e", EXPORTER_IMAGE), replicas=0
        ),
    )
    counts = report.summary.counts
    assert (counts.unwanted, counts.missing, counts.orphaned, counts.dormant) == (3, 1, 0, 1)
    waste = report.summary.waste
    assert (waste.workloads, waste.namespaces) == (2, 2)
    assert (waste.requests.cpu, waste.requests.memory) == ("400m", "512Mi")
    assert report.summary.namespaces == 3


def test_objects_of_other_kinds_are_skipped_when_parsed() -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    widget = {"apiVersion": "example.com/v1", "kind": "Deployment", "spec": ["not", "a", "map"]}
    assert parse_object(config_map) is None
    assert parse_object(widget) is None


def test_numeric_quantities_and_empty_fields_from_helm_output_are_accepted() -> None:
    exporter = exporter_deployment()
    exporter["metadata"]["labels"] = None
    exporter["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": 1, "memory": 0.5}
    }
    exporter["spec"]["template"]["spec"]["initContainers"] = None
    finding = only(run_audit(STARTER, exporter))
    assert (finding.requests.cpu_millicores, finding.requests.memory_bytes) == (1000, 1)


def test_an_exporter_that_only_runs_as_an_init_container_costs_nothing_steady() -> None:
    combined = deployment("broker", "customer-s1", container("mosquitto", BROKER_IMAGE))
    combined["spec"]["template"]["spec"]["initContainers"] = [
        container("warm-up", EXPORTER_IMAGE, cpu="2", memory="1Gi")
    ]
    finding = only(run_audit(STARTER, combined))
    assert finding.sidecar
    assert finding.requests.cpu_millicores == 0


def test_an_orphaned_service_in_an_allowed_namespace_suggests_redeploying() -> None:
    orphan = service("e1-mosquitto-exporter", "customer-e1", {"app": "x"})
    finding = only(run_audit(ENTERPRISE, orphan))
    assert finding.drift == Drift.ORPHANED
    assert finding.fix_hint.startswith("delete the leftover Service, or redeploy")
    assert "mosquitto.metrics.enabled=true" in finding.fix_hint


def test_an_orphaned_service_where_not_allowed_suggests_the_rules_fix() -> None:
    finding = only(run_audit(STARTER, service(EXPORTER, "customer-s1", {"app": "x"})))
    assert finding.fix_hint.startswith("delete the leftover Service (for a Helm release: set")
    assert "mosquitto.metrics.enabled=false" in finding.fix_hint


def test_a_satellite_without_a_namespace_is_undetermined_not_orphaned() -> None:
    report = run_audit(service(EXPORTER, None, {"app": "x"}))
    assert report.findings == []
    assert not report.complete


def test_a_broker_without_a_namespace_is_undetermined() -> None:
    report = run_audit(broker("customer-e1") | {"metadata": {"name": "b"}})
    assert not report.complete


def test_a_missing_exporter_can_be_exempted_by_an_admin() -> None:
    opted_out = Exemption(namespace="customer-e1", reason="tenant declined MQTT monitoring")
    report = run_audit(ENTERPRISE, broker("customer-e1"), config=_with_exemption(opted_out))
    finding = only(report)
    assert (finding.drift, finding.exempt) == (Drift.MISSING, True)
    assert report.summary.counts.missing == 0


def test_a_missing_finding_names_the_dormant_exporter() -> None:
    report = run_audit(
        ENTERPRISE, broker("customer-e1"), exporter_deployment("customer-e1", replicas=0)
    )
    assert f"its mosquitto-exporter Deployment/{EXPORTER} is dormant" in only(report).reason


def test_an_exemption_covers_an_orphaned_service_in_an_allowed_namespace() -> None:
    granted = Exemption(namespace="customer-e1", reason="migration in progress")
    orphan = service("e1-mosquitto-exporter", "customer-e1", {"app": "x"})
    finding = only(run_audit(ENTERPRISE, orphan, config=_with_exemption(granted)))
    assert (finding.drift, finding.exempt, finding.exemption) == (
        Drift.ORPHANED,
        True,
        "migration in progress",
    )


def test_an_orphan_in_an_exempt_namespace_says_it_was_not_judged() -> None:
    finding = only(run_audit(service("x-mosquitto-exporter", "kube-system", {"app": "x"})))
    assert finding.exempt
    assert "not judged: namespace kube-system is in exemptNamespaces" in finding.reason


def test_null_label_values_and_unread_resources_do_not_stop_an_audit() -> None:
    exporter = exporter_deployment()
    exporter["metadata"]["labels"] = {"app.kubernetes.io/version": None}
    exporter["metadata"]["annotations"] = {"checksum/config": None}
    requests = {"cpu": None, "memory": "128Mi", "ephemeral-storage": "10Ei"}
    exporter["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": requests}
    finding = only(run_audit(STARTER, exporter))
    assert (finding.requests.cpu_millicores, finding.requests.memory) == (0, "128Mi")


def test_an_exporter_init_container_is_reported_as_one_with_no_steady_cost() -> None:
    pod = exporter_init_pod("customer-s1")
    (finding,) = run_audit(STARTER, pod).findings
    assert (finding.sidecar, finding.init_container, finding.requests.cpu) == (True, True, "0m")
    assert "runs only as an init container that runs to completion" in finding.reason
    assert "runs as a sidecar" not in finding.reason


def test_a_component_in_tiergates_own_namespace_says_it_is_tiergates_own() -> None:
    finding = only(run_audit(exporter_deployment("tiergate-system")))
    assert (finding.exempt, finding.exemption) == (True, "tiergate's own namespace")
    assert finding.reason.startswith("not judged: namespace tiergate-system is tiergate's own")


def test_a_kind_that_could_not_be_listed_makes_the_pass_incomplete_whatever_was_found() -> None:
    objects = parse_all(STARTER, exporter_deployment("customer-s1"))
    scan = Scan(
        source="cluster https://api.example:6443",
        scanned={"Namespace": 1, "Deployment": 1},
        not_scanned={"ServiceMonitor": "the monitoring.coreos.com/v1 CRD is not served"},
        incomplete_reasons=["statefulsets.apps: 403 Forbidden"],
    )
    snapshot = Snapshot(namespaces={"customer-s1": {}}, objects=objects, scan=scan)
    report = audit(snapshot, config=default_config(), own_namespace="tiergate-system", now=NOW)
    assert (report.complete, report.incomplete_reasons) == (
        False,
        ["statefulsets.apps: 403 Forbidden"],
    )
    assert report.not_scanned == {
        "ServiceMonitor": "the monitoring.coreos.com/v1 CRD is not served"
    }
    assert (report.source, report.summary.objects) == ("cluster https://api.example:6443", 2)
    assert len(report.findings) == 1
