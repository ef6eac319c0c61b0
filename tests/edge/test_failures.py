"""The one error contract both programs share: `PROG: message`, exit 2, no traceback."""

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tiergate.config import ConfigError
from tiergate_edge.failures import InputError, UsageError, run_program


def _raise(error: BaseException) -> int:
    raise error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(
            InputError("a.yaml: document 2: bad"), "x: a.yaml: document 2: bad\n", id="input"
        ),
        pytest.param(UsageError("--flag: bad"), "x: --flag: bad\n", id="usage"),
        pytest.param(
            ConfigError("r.yaml: rules[0].a: bad\nr.yaml: rules[1].b: bad"),
            "x: r.yaml: rules[0].a: bad\nx: r.yaml: rules[1].b: bad\n",
            id="a config error lists one problem a line",
        ),
        pytest.param(
            InputError("Pod p\nx: forged\x1b[2J"),
            "x: Pod p\\x0ax: forged\\x1b[2J\n",
            id="an input error stays one escaped line",
        ),
        pytest.param(
            ZeroDivisionError("division by zero"),
            "x: internal error (a bug): ZeroDivisionError: division by zero\n",
            id="a bug",
        ),
        pytest.param(KeyboardInterrupt(), "x: interrupted\n", id="an interrupt"),
    ],
)
def test_every_failure_is_exit_2_with_one_printable_message(
    error: BaseException, expected: str
) -> None:
    stderr = io.StringIO()
    code = run_program(lambda: _raise(error), prog="x", stderr=stderr, environ={})
    assert (code, stderr.getvalue()) == (2, expected)


def test_a_bug_shows_its_traceback_only_when_debugging_is_asked_for() -> None:
    stderr = io.StringIO()
    error = ValueError("odd")
    code = run_program(
        lambda: _raise(error), prog="x", stderr=stderr, environ={"TIERGATE_DEBUG": "1"}
    )
    lines = stderr.getvalue().splitlines()
    assert code == 2
    assert lines[0] == "x: internal error (a bug): ValueError: odd"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: odd"


def test_a_successful_body_keeps_its_exit_code_and_says_nothing() -> None:
    stderr = io.StringIO()
    assert run_program(lambda: 1, prog="x", stderr=stderr, environ={}) == 1
    assert stderr.getvalue() == ""


def test_a_command_exits_with_its_code_and_still_runs_its_exit_handlers(
    tmp_path: Path,
) -> None:
    # kubernetes-asyncio removes the client certificates it wrote to files in an exit
    # handler: ending the process without the final collection must not skip it.
    left = tmp_path / "client.key"
    left.write_text("key", encoding="utf-8")
    script = (
        "import atexit, pathlib, sys\n"
        "from tiergate_edge.failures import exit_process\n"
        f"atexit.register(pathlib.Path({str(left)!r}).unlink)\n"
        "sys.stdout.write('report')\n"
        "exit_process(1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, "report", "")
    assert not left.exists()
