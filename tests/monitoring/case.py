"""One promtool alert test: input series, a time, and the alerts expected then.

A case with no expected alert proves the alert stays silent; the summary and
runbook_url are the rule's own, the description is written out in the case so
its wording and numbers are checked.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.monitoring.series import Series


@dataclass(frozen=True)
class Fired:
    description: str
    labels: Mapping[str, str] = field(default_factory=dict)  # besides alertname, severity


@dataclass(frozen=True)
class Case:
    sentence: str  # the test's name
    alert: str
    at: str  # eval_time, e.g. "16m"
    series: tuple[Series, ...]
    fired: tuple[Fired, ...] = ()


def promtool_test(case: Case, *, rule: Mapping[str, Any], rules_file: str) -> dict[str, Any]:
    """The `promtool test rules` document for one case against `rule`."""
    expected = [
        {
            "exp_labels": {**rule["labels"], **alert.labels},
            "exp_annotations": {
                "summary": rule["annotations"]["summary"],
                "description": alert.description,
                "runbook_url": rule["annotations"]["runbook_url"],
            },
        }
        for alert in case.fired
    ]
    return {
        "rule_files": [rules_file],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [series.as_input() for series in case.series],
                "alert_rule_test": [
                    {"eval_time": case.at, "alertname": case.alert, "exp_alerts": expected}
                ],
            }
        ],
    }
