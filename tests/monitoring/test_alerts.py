"""Every alert, run by the real promtool on the series the programs export: each one
fires when it should (once, with its count in the description) and stays silent
when it should (drift fixed, dormant only, a follower replica, a pass in time)."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.monitoring import cases_auditor, cases_drift, cases_webhook
from tests.monitoring.case import Case, promtool_test
from tests.monitoring.exported import series_labels
from tests.monitoring.promql import RULES_FILE, load_rules
from tests.monitoring.promtool import run

CASES = (*cases_drift.CASES, *cases_auditor.CASES, *cases_webhook.CASES)
RULES = {rule["alert"]: rule for rule in load_rules()}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.sentence)
def test_the_alert_fires_only_as_expected(case: Case, promtool: Path, tmp_path: Path) -> None:
    document = promtool_test(case, rule=RULES[case.alert], rules_file=str(RULES_FILE))
    test_file = tmp_path / "alert.test.yaml"
    test_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    result = run(promtool, "test", "rules", test_file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    firing = {case.alert for case in CASES if case.fired}
    silent = {case.alert for case in CASES if not case.fired}
    assert {"fires": sorted(set(RULES) - firing), "silent": sorted(set(RULES) - silent)} == {
        "fires": [],
        "silent": [],
    }


def test_every_case_names_an_alert_of_the_rules_file() -> None:
    assert sorted({case.alert for case in CASES} - set(RULES)) == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.sentence)
def test_the_input_series_carry_exactly_the_labels_the_program_exports(case: Case) -> None:
    exported = series_labels()
    wrong: dict[str, Any] = {}
    for series in case.series:
        if series.metric not in exported:
            wrong[series.metric] = "not exported"
        elif set(series.labels) != exported[series.metric]:
            wrong[series.metric] = sorted(set(series.labels) ^ exported[series.metric])
    assert wrong == {}
