"""The Grafana dashboard loads, shows what the issue asks for, and reads its data
through the data source variable, so it works in any Grafana it is provisioned to."""

import json
from pathlib import Path

import yaml

from auditor import metric_names
from tests.monitoring.promql import DASHBOARD_FILE, dashboard_queries
from tests.monitoring.promql import metric_names as names_in
from tests.monitoring.promtool import run
from webhook import metrics as webhook_metrics


def _dashboard() -> dict[str, object]:
    loaded = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_dashboard_json_loads_with_a_uid_and_panels() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "tiergate"
    panels = dashboard["panels"]
    assert isinstance(panels, list)
    assert len({panel["id"] for panel in panels}) == len(panels) > 0


def test_every_panel_reads_through_the_data_source_variable() -> None:
    dashboard = _dashboard()
    panels = dashboard["panels"]
    assert isinstance(panels, list)
    sources = {json.dumps(t["datasource"]) for p in panels for t in p["targets"]}
    assert sources == {json.dumps({"type": "prometheus", "uid": "${datasource}"})}


def test_the_dashboard_shows_drift_waste_admission_passes_and_remediation() -> None:
    used = set().union(*(names_in(query) for query in dashboard_queries()))
    assert {
        metric_names.DRIFT_OBJECTS,
        metric_names.NAMESPACE_DRIFT,
        metric_names.WASTE_CPU,
        metric_names.WASTE_MEMORY,
        webhook_metrics.REQUESTS,
        webhook_metrics.DURATION + "_bucket",
        metric_names.PASS_DURATION + "_bucket",
        metric_names.PASSES,
        metric_names.REMEDIATIONS,
    } <= used


def test_promtool_parses_every_dashboard_query(promtool: Path, tmp_path: Path) -> None:
    # Grafana's $__rate_interval is not PromQL: a fixed range stands in for it.
    queries = [query.replace("$__rate_interval", "5m") for query in dashboard_queries()]
    rules = [{"record": f"tiergate:dashboard_query_{i}", "expr": q} for i, q in enumerate(queries)]
    rules_file = tmp_path / "dashboard-queries.rules.yaml"
    rules_file.write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8"
    )
    result = run(promtool, "check", "rules", rules_file)
    assert result.returncode == 0, result.stdout + result.stderr
