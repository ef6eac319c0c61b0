"""Alerts, dashboard and promtool tests use only metric names the programs export:
renaming a metric in the code fails here instead of silencing an alert."""

import re

import pytest
from prometheus_client import CollectorRegistry

from auditor import metric_names as auditor_names
from tests.monitoring import cases_auditor, cases_drift, cases_webhook
from tests.monitoring.exported import (
    APISERVER_LABELS,
    allowed_metrics,
    series_labels,
    tiergate_metrics,
)
from tests.monitoring.promql import dashboard_queries, load_rules, metric_names, rule_queries
from tiergate.config import Remediation
from tiergate.remediation_report import ActionResult, RemediateMode
from webhook import metrics as webhook_metrics
from webhook.metrics import create_metrics

QUERIES = [*rule_queries(load_rules()), *dashboard_queries()]
CASES = (*cases_drift.CASES, *cases_auditor.CASES, *cases_webhook.CASES)
# The values the remediation code gives each label of its counter.
REMEDIATION_VALUES = {
    "result": {result.value for result in ActionResult},
    "mode": {mode.value for mode in RemediateMode},
    "action": {action.value for action in Remediation if action is not Remediation.NONE},
}
_SELECTOR = re.compile(rf"{auditor_names.REMEDIATIONS}\{{(?P<matchers>[^}}]*)\}}")
_MATCHER = re.compile(r'(?P<label>\w+)\s*!?=\s*"(?P<value>[^"]*)"')


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('max by (rule) (a_gauge{drift="unwanted"}) > 0', {"a_gauge"}),
        ("time() - max(last_pass) > 3 * max(interval_seconds)", {"last_pass", "interval_seconds"}),
        (
            'histogram_quantile(0.99, sum by (name, le) (rate(h_bucket{le!="x"}[5m])))',
            {"h_bucket"},
        ),
        ("max(a) < 1 or absent(a)", {"a"}),
        (
            'sum(increase(c_total{result!="complete"}[30m])) / sum(increase(c_total[30m]))',
            {"c_total"},
        ),
        ("a unless on() b offset 5m", {"a", "b"}),
        ("sum by (x) (rate(c[$__rate_interval])) * 1e3", {"c"}),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_metric_names_of_an_expression_are_found(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


@pytest.mark.parametrize("expr", QUERIES)
def test_a_query_of_the_alerts_or_the_dashboard_reads_only_exported_metrics(expr: str) -> None:
    used = metric_names(expr)
    assert used, "no metric found in the query"
    assert sorted(used - allowed_metrics()) == []


def test_a_renamed_metric_would_be_reported() -> None:
    renamed = QUERIES[0].replace(metric_names(QUERIES[0]).pop(), "tiergate_auditor_renamed")
    assert metric_names(renamed) - allowed_metrics() == {"tiergate_auditor_renamed"}


def test_every_series_of_the_promtool_tests_is_exported() -> None:
    used = {series.metric for case in CASES for series in case.series}
    assert sorted(used - allowed_metrics()) == []


def test_the_kube_apiserver_allow_list_holds_only_its_own_names() -> None:
    assert all(name.startswith("apiserver_admission_webhook_") for name in APISERVER_LABELS)
    assert not set(APISERVER_LABELS) & tiergate_metrics()


def test_the_histograms_are_those_the_webhook_registers_as_histograms() -> None:
    registry = CollectorRegistry()
    create_metrics(registry)
    histograms = {family.name for family in registry.collect() if family.type == "histogram"}
    assert histograms == {webhook_metrics.DURATION}


def test_the_labels_of_each_metric_are_known() -> None:
    labels = series_labels()
    assert labels[auditor_names.NAMESPACE_DRIFT] == {
        "rule",
        "namespace",
        "kind",
        "drift",
        "dormant",
    }
    assert labels[webhook_metrics.REQUESTS] == {
        "operation",
        "kind",
        "rule",
        "decision",
        "enforcement",
        "dry_run",
    }
    assert set(labels) == allowed_metrics()


def test_the_remediation_series_of_the_promtool_tests_carry_values_the_code_writes() -> None:
    used = {
        (label, value)
        for case in CASES
        for series in case.series
        if series.metric == auditor_names.REMEDIATIONS
        for label, value in series.labels.items()
        if label in REMEDIATION_VALUES
    }
    assert {label for label, _ in used} == set(REMEDIATION_VALUES)
    assert sorted((k, v) for k, v in used if v not in REMEDIATION_VALUES[k]) == []


def test_the_alerts_and_the_dashboard_match_remediations_on_values_the_code_writes() -> None:
    matched = {
        (found["label"], found["value"])
        for expr in QUERIES
        for selector in _SELECTOR.finditer(expr)
        for found in _MATCHER.finditer(selector["matchers"])
        if found["label"] in REMEDIATION_VALUES
    }
    assert ("result", ActionResult.FAILED.value) in matched
    assert sorted((k, v) for k, v in matched if v not in REMEDIATION_VALUES[k]) == []
