"""The Grafana dashboard, as a short list of panels over the programs' metric names.

Written out as JSON by render.py; the names come from the metrics modules, so a
renamed metric changes the rendered dashboard and the up-to-date test fails.
"""

from typing import Any

from auditor import metric_names as auditor
from webhook import metrics as webhook

Panel = dict[str, Any]
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH = 12
HEIGHT = 8
TIERGATE_WEBHOOK = 'name=~".*tiergate.*", type="validating"'


def _panel(title: str, *, targets: list[tuple[str, str]], unit: str, description: str) -> Panel:
    """A time series panel; `targets` are (PromQL, legend) pairs."""
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": chr(65 + i)}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def _quantiles(bucket: str, *, by: str = "le") -> list[tuple[str, str]]:
    return [
        (f"histogram_quantile({q}, sum by ({by}) (rate({bucket}[$__rate_interval])))", f"p{p}")
        for q, p in (("0.5", "50"), ("0.9", "90"), ("0.99", "99"))
    ]


def _drift_panels() -> list[Panel]:
    # max over replicas: only the leader exports drift, and a failover must not double it.
    return [
        _panel(
            "Drift objects by rule and drift",
            targets=[
                (
                    f"max by (rule, drift, dormant) ({auditor.DRIFT_OBJECTS})",
                    "{{rule}} {{drift}} dormant={{dormant}}",
                )
            ],
            unit="short",
            description="From the leader's last complete pass. Dormant ones do not alert.",
        ),
        _panel(
            "Drift objects by object kind",
            targets=[
                (
                    (
                        "sum by (rule, drift, kind) (max by (rule, namespace, kind, drift, dormant)"
                        f" ({auditor.NAMESPACE_DRIFT}))"
                    ),
                    "{{rule}} {{drift}} {{kind}}",
                )
            ],
            unit="short",
            description="Per namespace series exist only where there is drift.",
        ),
        _panel(
            "Namespaces with drift",
            targets=[
                (
                    f"max by (rule, drift, dormant) ({auditor.DRIFT_NAMESPACES})",
                    "{{rule}} {{drift}} dormant={{dormant}}",
                ),
                (f"max by (rule) ({auditor.UNDETERMINED_OBJECTS})", "{{rule}} undetermined"),
            ],
            unit="short",
            description="Missing: allowed namespaces that run the broker without the exporter.",
        ),
        _panel(
            "Waste: CPU requested by unwanted components",
            targets=[(f"max by (rule) ({auditor.WASTE_CPU})", "{{rule}}")],
            unit="none",
            description="CPU cores requested by unwanted running components.",
        ),
        _panel(
            "Waste: memory and workloads",
            targets=[
                (f"max by (rule) ({auditor.WASTE_MEMORY})", "{{rule}} memory"),
                (f"max by (rule) ({auditor.WASTE_WORKLOADS})", "{{rule}} workloads"),
            ],
            unit="bytes",
            description="Memory requested by unwanted running components, and their count.",
        ),
    ]


def _admission_panels() -> list[Panel]:
    return [
        _panel(
            "Admission decisions",
            targets=[
                (
                    (
                        "sum by (rule, decision, enforcement) "
                        f"(rate({webhook.REQUESTS}[$__rate_interval]))"
                    ),
                    "{{rule}} {{decision}} ({{enforcement}})",
                )
            ],
            unit="reqps",
            description='rule="" is a request no rule judged.',
        ),
        _panel(
            "Admission latency (webhook)",
            targets=_quantiles(f"{webhook.DURATION}_bucket"),
            unit="s",
            description="From a review's arrival to its answer, measured by the webhook.",
        ),
        _panel(
            "Admission latency and failures (API server)",
            targets=[
                *_quantiles(
                    "apiserver_admission_webhook_admission_duration_seconds_bucket"
                    f"{{{TIERGATE_WEBHOOK}}}",
                    by="name, le",
                ),
                (
                    (
                        "sum by (name, error_type) "
                        "(rate(apiserver_admission_webhook_rejection_count"
                        f'{{{TIERGATE_WEBHOOK}, error_type!="no_error"}}[$__rate_interval]))'
                    ),
                    "{{name}} rejected: {{error_type}}",
                ),
                (
                    (
                        "sum by (name) (rate(apiserver_admission_webhook_fail_open_count"
                        f"{{{TIERGATE_WEBHOOK}}}[$__rate_interval]))"
                    ),
                    "{{name}} failed open",
                ),
            ],
            unit="s",
            description="What kube-apiserver sees: its wait for the webhook, and failed calls.",
        ),
        _panel(
            "Webhook errors and namespace lookups",
            targets=[
                (
                    f"sum by (reason) (rate({webhook.ERRORS}[$__rate_interval]))",
                    "error {{reason}}",
                ),
                (
                    f"sum by (result) (rate({webhook.NAMESPACE_LOOKUPS}[$__rate_interval]))",
                    "lookup {{result}}",
                ),
            ],
            unit="reqps",
            description="Errors are 400s and 500s; lookup errors deny component requests.",
        ),
        _panel(
            "Webhook certificate and configuration",
            targets=[
                (f"min({webhook.CERTIFICATE_EXPIRY}) - time()", "certificate expires in"),
                (f"max({webhook.ADMISSION_CONFIG_MISMATCH})", "admission config mismatch"),
            ],
            unit="s",
            description="Mismatch 1: the webhook configuration was rendered from other rules.",
        ),
    ]


def _auditor_panels() -> list[Panel]:
    return [
        _panel(
            "Audit pass duration",
            targets=[
                *_quantiles(f"{auditor.PASS_DURATION}_bucket"),
                (f"max({auditor.INTERVAL})", "interval"),
            ],
            unit="s",
            description="A pass longer than the interval is an overrun.",
        ),
        _panel(
            "Audit passes by result",
            targets=[
                (
                    f"sum by (result) (increase({auditor.PASSES}[$__rate_interval]))",
                    "{{result}}",
                ),
                (f"sum(increase({auditor.PASS_OVERRUNS}[$__rate_interval]))", "overruns"),
            ],
            unit="short",
            description="Only complete passes update drift and allow remediation.",
        ),
        _panel(
            "Since the last complete pass, and the leader",
            targets=[
                (f"time() - max({auditor.LAST_COMPLETE_PASS})", "since last complete pass"),
                (f"max by (pod) ({auditor.LEADER})", "leader {{pod}}"),
            ],
            unit="s",
            description="The pass-stale alert fires past three intervals.",
        ),
        _panel(
            "Remediations",
            targets=[
                (
                    (
                        "sum by (rule, action, result, mode) "
                        f"(increase({auditor.REMEDIATIONS}[$__rate_interval]))"
                    ),
                    "{{rule}} {{action}} {{result}} ({{mode}})",
                ),
                (f"max by (rule) ({auditor.GRACE_PENDING})", "{{rule}} pending (grace)"),
                (f"max({auditor.CIRCUIT_BREAKER_OPEN})", "circuit breaker open"),
            ],
            unit="short",
            description="Stacks remediated, pending their grace period, and the breaker.",
        ),
    ]


def build_dashboard() -> dict[str, Any]:
    """The whole dashboard, two panels a row, with a data source variable."""
    panels = [*_drift_panels(), *_admission_panels(), *_auditor_panels()]
    for index, panel in enumerate(panels):
        panel["id"] = index + 1
        panel["gridPos"] = {
            "h": HEIGHT,
            "w": WIDTH,
            "x": (index % 2) * WIDTH,
            "y": (index // 2) * HEIGHT,
        }
    return {
        "uid": "tiergate",
        "title": "tiergate",
        "tags": ["tiergate"],
        "schemaVersion": 39,
        "editable": False,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                }
            ]
        },
        "panels": panels,
    }
