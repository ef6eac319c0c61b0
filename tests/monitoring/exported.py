"""What the programs export: metric names from their metrics modules, and their labels
as real registries of both programs export them.

The alert rules, the dashboard and the promtool test series may use only these
names and labels (and kube-apiserver's, an explicit allow-list), so renaming a
metric or a label in the code fails a test instead of silencing an alert.
"""

from collections import Counter
from types import ModuleType

from prometheus_client import CollectorRegistry

from auditor import metric_names as auditor_names
from auditor.metrics import create_metrics as create_auditor_metrics
from auditor.remediation.metrics import RemediationMetrics
from tests.builders import EXPORTER_IMAGE, STARTER, container, deployment, run_audit
from webhook import metrics as webhook_metrics
from webhook.metrics import create_metrics

RULE = "mosquitto-exporter"
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
HISTOGRAMS = frozenset({auditor_names.PASS_DURATION, webhook_metrics.DURATION})

# kube-apiserver's own view of admission webhooks, with its labels (from
# staging/src/k8s.io/apiserver/pkg/admission/metrics/metrics.go).
APISERVER_LABELS: dict[str, frozenset[str]] = {
    "apiserver_admission_webhook_rejection_count": frozenset(
        {"name", "type", "operation", "error_type", "rejection_code"}
    ),
    "apiserver_admission_webhook_fail_open_count": frozenset({"name", "type"}),
    "apiserver_admission_webhook_admission_duration_seconds_bucket": frozenset(
        {"name", "type", "operation", "rejected", "le"}
    ),
}


def _metric_constants(module: ModuleType) -> dict[str, str]:
    """Each `NAME = PREFIX + "..."` constant of a metrics module: constant -> metric."""
    prefix = module.PREFIX
    return {
        name: value
        for name, value in vars(module).items()
        if name.isupper()
        and isinstance(value, str)
        and value.startswith(prefix)
        and name != "PREFIX"
    }


def _series_names(metric: str) -> set[str]:
    if metric in HISTOGRAMS:
        return {metric + suffix for suffix in HISTOGRAM_SUFFIXES}
    return {metric}


def tiergate_metrics() -> set[str]:
    """Every series name the webhook and the auditor export."""
    names: set[str] = set()
    for module in (auditor_names, webhook_metrics):
        for metric in _metric_constants(module).values():
            names |= _series_names(metric)
    return names


def allowed_metrics() -> set[str]:
    return tiergate_metrics() | set(APISERVER_LABELS)


def _auditor_labels() -> dict[str, frozenset[str]]:
    """Labels as a real auditor registry exports them: the service's metrics and
    remediation's, each given a sample (drift from a report that has some)."""
    registry = CollectorRegistry()
    metrics = create_auditor_metrics(registry, interval_seconds=60)
    remediation = RemediationMetrics(registry)
    exporter = deployment("x-mosquitto-exporter", "customer-s1", container("e", EXPORTER_IMAGE))
    metrics.drift.publish(run_audit(STARTER, exporter), completed_at=1.0)
    metrics.passes.labels("complete").inc()
    metrics.api_errors.labels("500").inc()
    remediation.counted(rule=RULE, action="delete", result="done", mode="apply")
    remediation.show(breaker_open=False, pending=Counter(), rules=[RULE])
    labels: dict[str, set[str]] = {}
    for family in registry.collect():
        for sample in family.samples:
            if not sample.name.endswith("_created"):  # client_python's, not scraped by alerts
                labels.setdefault(sample.name, set()).update(set(sample.labels) - {"le"})
    return {name: frozenset(names) for name, names in labels.items()}


def _webhook_labels() -> dict[str, frozenset[str]]:
    """Labels as the webhook's registry declares them."""
    metrics = create_metrics(CollectorRegistry())
    labels = {
        collector._name: frozenset(collector._labelnames) for collector in vars(metrics).values()
    }
    # Counters are declared without the `_total` the exposition adds.
    labels = {
        (name + "_total" if name + "_total" in tiergate_metrics() else name): value
        for name, value in labels.items()
    }
    labels.setdefault(webhook_metrics.ADMISSION_CONFIG_MISMATCH, frozenset())
    return labels


def series_labels() -> dict[str, frozenset[str]]:
    """Each exported series name and the labels the program puts on it, read from
    the programs' own registries: a renamed label fails the tests that use this."""
    declared = {**_auditor_labels(), **_webhook_labels()}
    labels: dict[str, frozenset[str]] = {}
    for metric, names in declared.items():
        for series in _series_names(metric):
            labels[series] = names | ({"le"} if series.endswith("_bucket") else set())
    return labels | APISERVER_LABELS
