"""The real promtool: found on PATH, required under CI, a clear skip elsewhere."""

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y prometheus (Debian's package ships promtool)"


@pytest.fixture(scope="session")
def promtool() -> Path:
    """promtool's path. Under CI=true a missing promtool fails every test that needs it."""
    found = shutil.which("promtool")
    if found is not None:
        return Path(found)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"promtool is not installed and CI=true: {INSTALL_HINT}")
    pytest.skip(f"promtool is not installed: {INSTALL_HINT}; under CI=true this fails")


def run(promtool: Path, *args: str | Path) -> "subprocess.CompletedProcess[str]":
    command: Sequence[str | Path] = [promtool, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
