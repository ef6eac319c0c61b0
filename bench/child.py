"""Run a command as a child process and measure it: wall time, peak RSS, exit code.

Peak RSS comes from os.wait4's rusage of that child alone, so figures from
several children in one run can be compared.
"""

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mib: float
    exit_code: int
    first_line: str


def measure(
    command: list[str], *, stdin: Path | None = None, environment: dict[str, str] | None = None
) -> Run:
    """Run `command` from the repository root, its output discarded; `environment` is
    added to this process's own."""
    with (
        stdin.open("rb") if stdin else open(os.devnull, "rb") as source,  # noqa: PTH123
        tempfile.TemporaryFile() as stderr,
    ):
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=ROOT,
            env={**os.environ, **(environment or {})},
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        first_line = stderr.read().decode("utf-8", "replace").partition("\n")[0]
    # ru_maxrss is in KiB on Linux.
    return Run(seconds, usage.ru_maxrss / 1024, child.returncode, first_line)


def write_kubeconfig(directory: Path, *, port: int) -> Path:
    """A kubeconfig for a stand-in API server on localhost (plain HTTP, a bench token)."""
    path = directory / f"kubeconfig-{port}"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "bench"}}],
                "contexts": [{"name": "b", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "b",
            }
        ),
        encoding="utf-8",
    )
    return path
