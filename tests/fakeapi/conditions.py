"""A webhook's matchConditions, evaluated in CEL as kube-apiserver evaluates them.

The rendered configuration keeps non-candidates away from the webhook with CEL; a
test that the webhook never sees a plain Deployment needs the same expressions run
on the same variables (`matchconditions/matcher.go`): any false skips the hook, an
error with no false follows failurePolicy.
"""

import re
from dataclasses import dataclass
from typing import Any

import celpy
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.celtypes import BoolType
from celpy.evaluation import CELEvalError

# The apiserver words an evaluation error so (`plugin/cel/activation.go`).
EVALUATION_ERROR = "expression '{expression}' resulted in error: {error}"
_MISSING = re.compile(r"no such member in mapping: '(?P<key>.*)'")


@dataclass(frozen=True)
class Outcome:
    """`matches` False skips the hook; `errors` (with no false) follow failurePolicy."""

    matches: bool
    errors: tuple[str, ...] = ()
    failed_condition: str = ""


def evaluate(conditions: tuple[tuple[str, str], ...], *, variables: dict[str, Any]) -> Outcome:
    """Run every (name, expression) on the variables `object`, `oldObject`, `request`."""
    environment = celpy.Environment()
    activation = {name: json_to_cel(value) for name, value in variables.items()}
    errors: list[str] = []
    for name, expression in conditions:
        try:
            program = environment.program(environment.compile(expression))
            result = program.evaluate(activation)
        except CELParseError as error:
            errors.append(f"compilation failed: {error}")
            continue
        except CELEvalError as error:
            errors.append(EVALUATION_ERROR.format(expression=expression, error=_reason(error)))
            continue
        if isinstance(result, CELEvalError):
            errors.append(EVALUATION_ERROR.format(expression=expression, error=_reason(result)))
        elif not isinstance(result, BoolType):
            errors.append(f"expression '{expression}' did not evaluate to a boolean")
        elif not result:
            return Outcome(matches=False, failed_condition=name)
    return Outcome(matches=True, errors=tuple(errors))


def aggregate(errors: tuple[str, ...]) -> str:
    """`utilerrors.NewAggregate(...).Error()`: one message as is, several in brackets."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _reason(error: Exception) -> str:
    """cel-python's reason, with a missing field worded as cel-go words it."""
    reason = str(error.args[0]) if error.args else str(error)
    missing = _MISSING.fullmatch(reason)
    return f"no such key: {missing['key']}" if missing else reason
