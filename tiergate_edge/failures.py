"""What a program prints and returns when it cannot do its job.

Both programs promise CI scripts one contract: bad input, configuration or
flags print `PROG: message` and exit 2; no input ever produces a traceback.
"""

import gc
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import NoReturn, TextIO

from tiergate.config import ConfigError
from tiergate.text import printable

EXIT_FAILED = 2  # outranks exit 1 (drift found): a failed run must never read as a verdict
DEBUG_VARIABLE = "TIERGATE_DEBUG"


class InputError(Exception):
    """Input that cannot be read or parsed; the message names the source and document."""


class UsageError(Exception):
    """A bad command line; the message names the flag."""


EXPECTED_ERRORS: tuple[type[Exception], ...] = (InputError, UsageError, ConfigError)


def write_message(stderr: TextIO, *, prog: str, message: str) -> None:
    """`PROG: message` on one line: a newline in it is escaped like any control character."""
    stderr.write(f"{prog}: {printable(message)}\n")


def _message_lines(error: Exception) -> list[str]:
    # A configuration error lists one problem a line (the admin's own file); any other
    # message may quote a tenant's object, so it stays one line whatever it holds.
    return str(error).split("\n") if isinstance(error, ConfigError) else [str(error)]


def standard_output() -> TextIO:
    """Standard output, or a UsageError when the program was started with it closed (`>&-`)."""
    if sys.stdout is None:
        raise UsageError("standard output is closed: there is nowhere to write the result")
    return sys.stdout


def run_program(
    body: Callable[[], int], *, prog: str, stderr: TextIO, environ: Mapping[str, str]
) -> int:
    """Run a program's body and turn every failure into a message and exit 2."""
    try:
        return body()
    except EXPECTED_ERRORS as error:
        for line in _message_lines(error):
            write_message(stderr, prog=prog, message=line)
    except KeyboardInterrupt:
        write_message(stderr, prog=prog, message="interrupted")
    except BrokenPipeError:
        # The reader of standard output went away (`| head`); flushing again would fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except MemoryError:
        write_message(stderr, prog=prog, message="out of memory")
    except Exception as error:  # noqa: BLE001 - a bug must never read as exit 1, "drift found"
        detail = f"{type(error).__name__}: {error}"
        write_message(stderr, prog=prog, message=f"internal error (a bug): {detail}")
        if environ.get(DEBUG_VARIABLE) == "1":
            stderr.write(printable_traceback())
    return EXIT_FAILED


def exit_process(code: int) -> NoReturn:
    """End the process with `code`, the program's work done.

    The objects it made are frozen first, so the interpreter's final collection does
    not walk them all: with the API client's models loaded that walk alone takes about
    0.1 s, a tenth of a one-shot audit. Exit handlers still run. Only for the commands
    themselves: a caller that goes on (a test) must not freeze its objects.
    """
    gc.freeze()
    sys.exit(code)


def printable_traceback() -> str:
    """The current exception's traceback, for `TIERGATE_DEBUG=1` only."""
    lines = traceback.format_exc().split("\n")
    return "".join(f"{printable(line)}\n" for line in lines if line)
