"""Kubernetes resource quantities (`100m`, `128Mi`, `1e3`), for the waste figures.

The auditor reports what unwanted components cost; the numbers must follow the
API's quantity grammar so they agree with `kubectl describe`.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Self

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(\d+\.?\d*|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$"
)
# Beyond int64 is no real request (and would only overflow figures downstream).
_LARGEST = Decimal(2**63 - 1)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


@lru_cache(maxsize=4096)  # a cluster requests few distinct quantities (100m, 128Mi, ...)
def parse_quantity(text: str) -> Decimal:
    """The quantity's value in base units; ValueError names the bad text."""
    match = _QUANTITY.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1G)")
    suffix = match["suffix"] or ""
    try:
        number = Decimal(match["number"])
        if suffix in _BINARY:
            value = number * _BINARY[suffix]
        elif suffix[:1] in ("e", "E") and len(suffix) > 1:
            value = number.scaleb(int(suffix[1:]))
        else:
            value = number * _DECIMAL[suffix]
    except ArithmeticError as error:  # exponents beyond Decimal's range
        raise ValueError(f"{text!r} is out of range for a Kubernetes quantity") from error
    if value < 0 or value > _LARGEST:
        raise ValueError(f"{text!r} is out of range for a resource request")
    return value


def checked_quantity(value: object) -> str:
    """The quantity as text, for pydantic: numbers are accepted as kubectl does."""
    if type(value) is str:  # nearly always (JSON from the API): the checks below, but quicker
        parse_quantity(value)
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{value!r} is not a Kubernetes quantity")  # noqa: TRY004 - pydantic wants ValueError
    text = str(value)  # YAML turns `cpu: 1` into a number
    parse_quantity(text)
    return text


@dataclass(frozen=True)
class Requests:
    """CPU in millicores and memory in bytes, rounded up as the scheduler does."""

    cpu_millicores: int = 0
    memory_bytes: int = 0

    @classmethod
    def of(cls, *, cpu: str | None, memory: str | None) -> Self:
        return cls(
            cpu_millicores=math.ceil(parse_quantity(cpu) * 1000) if cpu else 0,
            memory_bytes=math.ceil(parse_quantity(memory)) if memory else 0,
        )

    def __add__(self, other: "Requests") -> "Requests":
        return Requests(
            self.cpu_millicores + other.cpu_millicores, self.memory_bytes + other.memory_bytes
        )

    def times(self, count: int) -> "Requests":
        return Requests(self.cpu_millicores * count, self.memory_bytes * count)

    def max(self, other: "Requests") -> "Requests":
        return Requests(
            max(self.cpu_millicores, other.cpu_millicores),
            max(self.memory_bytes, other.memory_bytes),
        )


def format_cpu(millicores: int) -> str:
    """`1500` -> `1500m`: millicores read best for the small figures the auditor reports."""
    return f"{millicores}m"


def format_memory(size: int) -> str:
    """The largest binary unit that keeps at most one decimal: `134217728` -> `128Mi`."""
    for unit, factor in reversed(_BINARY.items()):
        if size >= factor:
            value = size / factor
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return str(size)
