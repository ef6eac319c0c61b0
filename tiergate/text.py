"""Text from objects made printable: control and format characters escaped.

Names, labels and messages come from input a tenant may have crafted; printed
raw, a newline or an escape sequence could forge lines of a report or repaint
a terminal. Every output format and every error message goes through here.
"""

import unicodedata
from collections.abc import Iterable

# Control, format (bidi overrides, zero-width), lone surrogates (no encoding can write
# them), line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escaped(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every unsafe character written as a visible escape (`\\x1b`, `\\u202e`)."""
    if text.isprintable():  # fast path: nothing to escape (printable excludes all of them)
        return text
    return "".join(
        _escaped(c) if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text
    )


# kube-apiserver passes on 4096 characters of warnings in all, and drops any warning
# with a control character (it would break the HTTP Warning header).
WARNINGS_BUDGET = 4096
_ELLIPSIS = "..."


def bounded_warnings(texts: Iterable[str], *, budget: int = WARNINGS_BUDGET) -> tuple[str, ...]:
    """Warnings the API server passes on whole: printable, each once, `budget` characters in all."""
    kept: list[str] = []
    left = budget
    for text in texts:
        # A lone surrogate is not UTF-8 either; escape it like a control character.
        safe = printable(text).encode("utf-8", "backslashreplace").decode("utf-8")
        if safe in kept or left <= len(_ELLIPSIS):
            continue
        if len(safe) > left:
            safe = safe[: left - len(_ELLIPSIS)] + _ELLIPSIS
        kept.append(safe)
        left -= len(safe)
    return tuple(kept)
