"""Without promtool the alert tests fail under CI=true and skip, saying why, elsewhere."""

import os
import subprocess
import sys

import pytest

from tests.monitoring.promql import ROOT

NEEDS_PROMTOOL = "tests/monitoring/test_rules_files.py::test_promtool_accepts_the_rules_file"


@pytest.mark.parametrize(
    ("ci", "status", "outcome"),
    [("true", 1, "1 error"), ("", 0, "1 skipped")],
    ids=["under CI it fails", "elsewhere it skips"],
)
def test_a_missing_promtool(ci: str, status: int, outcome: str, tmp_path: os.PathLike[str]) -> None:
    environment = {**os.environ, "PATH": str(tmp_path), "CI": ci}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            NEEDS_PROMTOOL,
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, outcome in result.stdout) == (status, True), result.stdout
    assert "promtool is not installed" in result.stdout + result.stderr
