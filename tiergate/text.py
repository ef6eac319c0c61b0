"""Text from objects made printable: control and format characters escaped.

Names, labels and messages come from input a tenant may have crafted; printed
raw, a newline or an escape sequence could forge lines of a report or repaint
a terminal. Every output format and every error message goes through here.
"""

import unicodedata

# Control, format (bidi overrides, zero-width), line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


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
