"""Reports cannot be forged: text from objects is escaped in every output format."""

import json

import pytest

from auditor.report import RENDERERS, OutputFormat
from tests.builders import STARTER, container, deployment, run_audit, service
from tiergate.text import printable

FORGED_IMAGE = "sapcc/mosquitto-exporter:0.8.0\n\nNo drift found.\x1b[2J\u202e"


def _forged_report_text(output: OutputFormat) -> str:
    exporter = deployment("metrics", "customer-s1", container("e", FORGED_IMAGE))
    orphan = deployment("no-ns", None, container("e", FORGED_IMAGE))
    monitor = service("s1-mosquitto-exporter", "customer-s1", {"app": "x"})
    return RENDERERS[output](run_audit(STARTER, exporter, orphan, monitor))


@pytest.mark.parametrize("output", list(OutputFormat), ids=lambda o: f"{o} output")
def test_control_and_format_characters_from_objects_are_escaped(output: OutputFormat) -> None:
    text = _forged_report_text(output)
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "No drift found." not in text.splitlines()


@pytest.mark.parametrize("output", [OutputFormat.TABLE, OutputFormat.MARKDOWN])
def test_an_escaped_image_is_still_readable_in_the_reasons(output: OutputFormat) -> None:
    reasons = [line for line in _forged_report_text(output).splitlines() if "x0aNo drift" in line]
    assert reasons
    assert all("x1b" in line and "u202e" in line for line in reasons)


def test_the_json_report_keeps_the_exact_text_behind_json_escapes() -> None:
    text = _forged_report_text(OutputFormat.JSON)
    reasons = [f["reason"] for f in json.loads(text)["findings"]]
    assert any(FORGED_IMAGE in reason for reason in reasons)


def test_a_lone_surrogate_is_written_as_an_escape() -> None:
    assert printable("a\ud800b") == "a\\ud800b"
