"""Running the real `auditor` and `webhook` programs for tests, as a user would."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_program(
    program: str,
    *args: str,
    stdin: bytes | str = b"",
    env: dict[str, str] | None = None,
    stdin_path: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m program args...` from the repository root; stdin as bytes or text.

    With `stdin_path`, standard input is that file opened for reading (`< path`).
    """
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    with stdin_path.open("rb") if stdin_path else contextlib.nullcontext() as stream:
        result = subprocess.run(
            [sys.executable, "-m", program, *args],
            input=None if stream else data,
            stdin=stream,
            capture_output=True,
            cwd=ROOT,
            check=False,
            timeout=60,
            env=env,
        )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8"),
        result.stderr.decode("utf-8"),
    )


def auditor(
    *args: str, stdin: bytes | str = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_program("auditor", *args, stdin=stdin, env=env)


def webhook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_program("webhook", *args, env=env)


def environment(**changes: str) -> dict[str, str]:
    """The test's environment with some variables set."""
    return {**os.environ, **changes}


def assert_clean_failure(result: subprocess.CompletedProcess[str], *, prog: str) -> None:
    """Exit 2, every stderr line `PROG: ...`, and never a traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr, "a failure must say why"
    assert all(line.startswith(f"{prog}: ") for line in result.stderr.splitlines()), result.stderr
