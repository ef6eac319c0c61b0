"""The rules file and the PrometheusRule: valid for promtool, one rendered from the
other, shipped by the opt-in kustomization, and every alert routed and documented."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.monitoring.promql import (
    MONITORING,
    PROMETHEUS_RULE_FILE,
    ROOT,
    RULES_FILE,
    load_rules,
)
from tests.monitoring.promtool import run

RENDER = MONITORING / "render.py"
SEVERITIES = {"critical", "warning", "info"}
RUNBOOK_BASE = "https://github.com/tiergate/tiergate/blob/main/README.md#"
MIRROR = "https://git.example.com/platform/tiergate/-/blob/main/README.md"
# Drift gauges come from the leader only: a failover must not resolve and re-fire these.
LEADER_ONLY_ALERTS = {
    "TiergateUnwantedDrift",
    "TiergateMissingExporter",
    "TiergateOrphanedSatellites",
    "TiergateWasteAboveThreshold",
    "TiergateCircuitBreakerOpen",
}


def _render(*args: str | Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, RENDER, *args], capture_output=True, text=True, timeout=60, check=False
    )


def _copy_monitoring(tmp_path: Path) -> Path:
    for path in MONITORING.iterdir():
        if path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    return tmp_path


def _spec_as_rules_file(tmp_path: Path) -> Path:
    """The PrometheusRule's spec, which is a rules file, for promtool to read."""
    spec = yaml.safe_load(PROMETHEUS_RULE_FILE.read_text(encoding="utf-8"))["spec"]
    path = tmp_path / "prometheus-rule-spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_promtool_accepts_the_rules_file(promtool: Path) -> None:
    result = run(promtool, "check", "rules", RULES_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_prometheus_rule(promtool: Path, tmp_path: Path) -> None:
    result = run(promtool, "check", "rules", _spec_as_rules_file(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_prometheus_rule_holds_the_same_groups_as_the_rules_file() -> None:
    rule = yaml.safe_load(PROMETHEUS_RULE_FILE.read_text(encoding="utf-8"))
    plain = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    assert (rule["apiVersion"], rule["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert rule["spec"]["groups"] == plain["groups"]


def test_the_committed_derived_files_are_what_render_writes() -> None:
    result = _render("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_render_check_reports_a_rules_file_edited_without_rendering(tmp_path: Path) -> None:
    rules = _copy_monitoring(tmp_path) / RULES_FILE.name
    rules.write_text(rules.read_text(encoding="utf-8").replace("for: 15m", "for: 20m", 1))
    result = _render("--check", "--directory", tmp_path)
    assert result.returncode == 1
    assert "+          for: 20m" in result.stdout
    assert "1 file(s) out of date" in result.stdout


def test_a_runbook_base_points_every_alert_of_the_prometheus_rule_at_it(tmp_path: Path) -> None:
    directory = _copy_monitoring(tmp_path)
    result = _render("--runbook-base", MIRROR, "--directory", directory)
    assert result.returncode == 0, result.stdout + result.stderr
    spec = yaml.safe_load((directory / PROMETHEUS_RULE_FILE.name).read_text(encoding="utf-8"))
    rendered = [rule for group in spec["spec"]["groups"] for rule in group["rules"]]
    plain = load_rules()
    assert [rule["annotations"].pop("runbook_url") for rule in rendered] == [
        f"{MIRROR}#{rule['alert'].lower()}" for rule in plain
    ]
    for rule in plain:
        del rule["annotations"]["runbook_url"]
    assert rendered == plain
    assert (directory / RULES_FILE.name).read_bytes() == RULES_FILE.read_bytes()
    assert _render("--check", "--runbook-base", MIRROR, "--directory", directory).returncode == 0
    assert _render("--check", "--directory", directory).returncode == 1


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("http://git.example.com/tiergate/README.md", "is not an https URL with a host"),
        ("https:///tiergate/README.md", "is not an https URL with a host"),
        ("git.example.com/tiergate/README.md", "is not an https URL with a host"),
        ("https://git.example.com/tiergate/README.md#runbooks", "'#'"),
        ("https://git.example.com/tier gate/README.md", "a space"),
    ],
    ids=["plain http", "no host", "no scheme", "an anchor of its own", "a space"],
)
def test_a_runbook_base_that_is_not_an_https_url_is_refused_naming_the_flag(
    base: str, problem: str, tmp_path: Path
) -> None:
    directory = _copy_monitoring(tmp_path)
    result = _render("--runbook-base", base, "--directory", directory)
    assert result.returncode == 2
    assert f"argument --runbook-base: {base!r} " in result.stderr
    assert problem in result.stderr
    written = (directory / PROMETHEUS_RULE_FILE.name).read_bytes()
    assert written == PROMETHEUS_RULE_FILE.read_bytes()


def test_the_kustomization_ships_the_rule_the_monitors_and_the_dashboard() -> None:
    result = subprocess.run(
        ["/usr/bin/kubectl", "kustomize", MONITORING],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    objects = list(yaml.safe_load_all(result.stdout))
    shipped = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert shipped == {
        ("PrometheusRule", "tiergate"),
        ("ServiceMonitor", "tiergate-webhook"),
        ("ServiceMonitor", "tiergate-auditor"),
        ("ConfigMap", "tiergate-dashboard"),
    }
    assert {o["metadata"]["namespace"] for o in objects} == {"tiergate-system"}
    dashboard = next(o for o in objects if o["kind"] == "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["data"]["tiergate-dashboard.json"] == (
        MONITORING / "tiergate-dashboard.json"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("component", "port"), [("webhook", "metrics"), ("auditor", "metrics")], ids=str
)
def test_a_service_monitor_scrapes_the_metrics_port_of_its_component(
    component: str, port: str
) -> None:
    monitors = {
        doc["metadata"]["name"]: doc
        for doc in yaml.safe_load_all(
            (MONITORING / "service-monitors.yaml").read_text(encoding="utf-8")
        )
    }
    spec = monitors[f"tiergate-{component}"]["spec"]
    assert spec["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "tiergate",
        "app.kubernetes.io/component": component,
    }
    assert spec["namespaceSelector"] == {"matchNames": ["tiergate-system"]}
    assert [(e["port"], e["path"]) for e in spec["endpoints"]] == [(port, "/metrics")]


def _readme_anchors() -> set[str]:
    """GitHub's anchors for the README's headings (not the comments in its code blocks)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.M | re.S)
    headings = re.findall(r"^#+ (.+)$", prose, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("rule", load_rules(), ids=lambda rule: rule["alert"])
def test_an_alert_has_a_severity_a_summary_and_a_runbook_in_the_readme(
    rule: dict[str, object],
) -> None:
    labels = rule["labels"]
    annotations = rule["annotations"]
    assert isinstance(labels, dict)
    assert isinstance(annotations, dict)
    assert labels["severity"] in SEVERITIES
    assert set(annotations) == {"summary", "description", "runbook_url"}
    anchor = str(rule["alert"]).lower()
    assert annotations["runbook_url"] == RUNBOOK_BASE + anchor
    assert anchor in _readme_anchors()


@pytest.mark.parametrize("rule", load_rules(), ids=lambda rule: rule["alert"])
def test_an_alert_on_the_leaders_gauges_keeps_firing_across_a_leader_change(
    rule: dict[str, object],
) -> None:
    assert ("keep_firing_for" in rule) == (rule["alert"] in LEADER_ONLY_ALERTS)
