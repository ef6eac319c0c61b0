"""Two independent CEL implementations, for checking the rendered admission config.

cel-python (`celpy`, pure Python) and common-expression-language (`cel`, Rust) share
no code; an expression is trusted only where both give the same answer. An error
(a missing field, no such overload) is an outcome of its own, never a False.
"""

from functools import cache
from typing import Any, Literal

import cel
import celpy
from celpy import CELEvalError, json_to_cel  # type: ignore[attr-defined]

Outcome = bool | Literal["error"]
VARIABLES = ("object", "oldObject", "request", "namespaceObject")
# Making a celpy Environment raises the interpreter's recursion limit; make one now, so
# the limit never changes inside a test (hypothesis fails a test during which it does).
celpy.Environment()


@cache
def _celpy_program(expression: str) -> Any:
    environment = celpy.Environment()
    return environment.program(environment.compile(expression))


@cache
def _cel_program(expression: str) -> Any:
    return cel.compile(expression)


def _boolean(value: Any) -> Outcome:
    # Anything but a boolean (an error value, a string) is an error for a condition.
    return bool(value) if isinstance(value, bool) or type(value).__name__ == "BoolType" else "error"


def celpy_outcome(expression: str, *, activation: dict[str, Any]) -> Outcome:
    try:
        value = _celpy_program(expression).evaluate(json_to_cel(activation))
    except CELEvalError:
        return "error"
    return _boolean(value)


def cel_outcome(expression: str, *, activation: dict[str, Any]) -> Outcome:
    try:
        value = _cel_program(expression).execute(activation)
    except (TypeError, ValueError, RuntimeError, KeyError):
        return "error"
    return _boolean(value)


def text(expression: str, *, activation: dict[str, Any]) -> tuple[Any, Any]:
    """A messageExpression's value in both implementations (strings, or the error)."""
    try:
        first: Any = str(_celpy_program(expression).evaluate(json_to_cel(activation)))
    except CELEvalError as error:
        first = error
    try:
        second: Any = _cel_program(expression).execute(activation)
    except (TypeError, ValueError, RuntimeError, KeyError) as error:
        second = error
    return first, second


def agreed(expression: str, *, activation: dict[str, Any]) -> bool:
    """The one answer both implementations give; AssertionError if they differ or error."""
    full = {name: activation.get(name) for name in VARIABLES}
    first = celpy_outcome(expression, activation=full)
    second = cel_outcome(expression, activation=full)
    assert first == second, f"cel-python says {first}, common-expression-language {second}"
    assert first != "error", "the expression errors in both implementations"
    return first
