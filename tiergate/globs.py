"""Validated shell-style globs for image paths and object names.

Globs come from admin-written config, so a malformed one must fail at load time
rather than silently match nothing.
"""

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator

_ALLOWED = re.compile(r"^[A-Za-z0-9._\-/:@*?\[\]!]+$")


def validate_glob(pattern: str) -> str:
    """Return the pattern unchanged, or raise ValueError saying what is wrong."""
    if not pattern:
        raise ValueError("a glob may not be empty")
    if not _ALLOWED.match(pattern):
        raise ValueError(
            f"glob {pattern!r} may only contain letters, digits, '._-/:@' and the "
            "wildcards '*', '?', '[...]'"
        )
    depth = 0
    for char in pattern:
        if char == "[":
            if depth:
                raise ValueError(f"glob {pattern!r} nests '[' inside a character class")
            depth = 1
        elif char == "]":
            if not depth:
                raise ValueError(f"glob {pattern!r} has ']' without an opening '['")
            depth = 0
    if depth:
        raise ValueError(f"glob {pattern!r} has an unclosed '['")
    if "[]" in pattern or "[!]" in pattern:
        raise ValueError(f"glob {pattern!r} has an empty character class")
    return pattern


Glob = Annotated[str, AfterValidator(validate_glob)]


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def glob_matches(pattern: str, *, text: str) -> bool:
    """Case-sensitive match of the whole text, as Kubernetes names are case-sensitive."""
    return _compiled(pattern).match(text) is not None


def first_matching_glob(patterns: Iterable[str], *, text: str) -> str | None:
    """The first pattern that matches text, or None."""
    return next((p for p in patterns if glob_matches(p, text=text)), None)
