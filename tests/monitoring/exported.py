"""What the programs export: metric names from their metrics modules, and their labels.

The alert rules, the dashboard and the promtool test series may use only these
names (and kube-apiserver's, an explicit allow-list), so renaming a metric in the
code fails a test instead of silencing an alert.
"""

import re
from pathlib import Path
from types import ModuleType

from prometheus_client import CollectorRegistry

from auditor import metric_names as auditor_names
from webhook import metrics as webhook_metrics
from webhook.metrics import create_metrics

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

# The label vocabulary of DESIGN.md "Metrics" (plus `namespace` and `action`):
# what a constant's comment in auditor/metric_names.py may name as its labels.
LABEL_VOCABULARY = frozenset(
    {
        "rule",
        "namespace",
        "kind",
        "drift",
        "dormant",
        "operation",
        "decision",
        "enforcement",
        "dry_run",
        "mode",
        "result",
        "reason",
        "code",
        "action",
    }
)
_CONSTANT_LINE = re.compile(
    r"^(?P<constant>[A-Z_]+) = PREFIX \+ \"\w+\"\s*(?:#\s*(?P<comment>.*))?$"
)


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
    """Labels as each constant's comment in auditor/metric_names.py names them."""
    source = Path(auditor_names.__file__).read_text(encoding="utf-8")
    constants = _metric_constants(auditor_names)
    labels: dict[str, frozenset[str]] = {}
    for line in source.splitlines():
        match = _CONSTANT_LINE.match(line)
        if match is None:
            continue
        named = (match["comment"] or "").split(":")[0].split(",")
        labels[constants[match["constant"]]] = frozenset(
            word.strip() for word in named if word.strip() in LABEL_VOCABULARY
        )
    return labels


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
    """Each exported series name and the labels the program puts on it."""
    declared = {**_auditor_labels(), **_webhook_labels()}
    labels: dict[str, frozenset[str]] = {}
    for metric, names in declared.items():
        for series in _series_names(metric):
            labels[series] = names | ({"le"} if series.endswith("_bucket") else set())
    return labels | APISERVER_LABELS
