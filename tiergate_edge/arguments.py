"""An argparse parser whose errors follow the programs' error contract.

argparse prints its own message (raw, so a crafted argument could forge
output) and exits; here a bad flag raises `UsageError` like any other failure.
"""

import argparse
import re
from pathlib import Path
from typing import NoReturn

from tiergate_edge.failures import UsageError


class ArgumentParser(argparse.ArgumentParser):
    """`error()` raises instead of exiting; the program's handler prints it.

    Flags count only spelt in full: with argparse's abbreviations, a flag renamed in code
    would still take the old spelling in a manifest as a prefix of the new one, and a
    flag added later could make a working command line ambiguous.
    """

    def __init__(self, *, prog: str, description: str, epilog: str | None = None) -> None:
        super().__init__(prog=prog, description=description, epilog=epilog, allow_abbrev=False)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def given_path(text: str) -> str:
    """A path argument; empty is an error (an unset shell variable), not the current directory."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path (an unset shell variable?)")
    return text


def config_path(text: str) -> Path:
    """`--config FILE`, refusing an empty path."""
    return Path(given_path(text))


_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)?")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def duration(text: str) -> float:
    """`10s`, `500ms`, `30m`, `1h` or plain seconds, as a number of seconds."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a duration (10s, 500ms, 30m, 1h)")
    return float(found["value"]) * _UNITS[found["unit"]]
