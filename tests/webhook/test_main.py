"""`webhook --check-config`, run as a real process."""

import subprocess
import sys
from pathlib import Path


def webhook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "webhook", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_checking_the_built_in_config_lists_its_rule() -> None:
    result = webhook("--check-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "rule mosquitto-exporter: enforcement deny, allowed in monitoring.dedicated=true\n"
    )


def test_a_bad_config_stops_start_up_naming_the_file_and_field(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(
        "rules:\n  - name: x\n    component: {images: ['[x']}\n    allowedIn: {}\n    fixHint: h\n",
        encoding="utf-8",
    )
    result = webhook("--check-config", "--config", str(config))
    assert result.returncode == 2
    assert f"{config}: rules[0].component.images[0]: glob '[x' has an unclosed '['" in (
        result.stderr
    )


def test_an_unreadable_config_is_named(tmp_path: Path) -> None:
    result = webhook("--check-config", "--config", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert "absent.yaml: cannot read: no such file or directory" in result.stderr


def test_serving_is_refused_with_a_clear_message() -> None:
    result = webhook()
    assert result.returncode == 2
    assert "serving admission reviews is not supported yet" in result.stderr
