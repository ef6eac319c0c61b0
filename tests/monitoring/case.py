"""One promtool alert test: input series, a time, and the alerts expected then.

Cases are written as one table per alert: the alert's description, spelled out by
a function of the numbers a firing row shows (so wording and numbers are checked),
and one row per case. A row that shows nothing proves the alert stays silent; the
summary and runbook_url are the rule's own.
"""

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class Alert:
    name: str
    describe: Callable[..., str]  # the description, given a firing row's `shows`
    labels: Mapping[str, str] = field(default_factory=dict)  # of a firing alert


@dataclass(frozen=True)
class Row:
    sentence: str
    at: str
    series: tuple[Series, ...]
    shows: tuple[object, ...] | None = None  # fires once, described with these; None: silent


def cases(alert: Alert, *rows: Row) -> tuple[Case, ...]:
    """The table of one alert as cases: each row fires it once, or not at all."""
    return tuple(
        Case(
            row.sentence,
            alert.name,
            at=row.at,
            series=row.series,
            fired=() if row.shows is None else (Fired(alert.describe(*row.shows), alert.labels),),
        )
        for row in rows
    )


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
