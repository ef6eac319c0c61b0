"""Kubernetes resource quantities (`100m`, `128Mi`, `1e3`), for the waste figures.

The auditor reports what unwanted components cost; the numbers must follow the
API's quantity grammar so they agree with `kubectl describe`.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Self

from pydantic import AfterValidator

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(\d+\.?\d*|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$"
)
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


def parse_quantity(text: str) -> Decimal:
    """The quantity's value in base units; ValueError names the bad text."""
    match = _QUANTITY.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1G)")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as error:  # pragma: no cover - the regex admits only numbers
        raise ValueError(f"{text!r} is not a Kubernetes quantity") from error
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        return number.scaleb(int(suffix[1:]))
    return number * _DECIMAL[suffix]


def _validate_quantity(value: str | int | float) -> str:
    text = str(value)
    parse_quantity(text)
    return text


Quantity = Annotated[str, AfterValidator(_validate_quantity)]


@dataclass(frozen=True)
class Requests:
    """CPU in millicores and memory in bytes, rounded up as the scheduler does."""

    cpu_millicores: int = 0
    memory_bytes: int = 0

    @classmethod
    def from_mapping(cls, requests: dict[str, str]) -> Self:
        cpu = requests.get("cpu")
        memory = requests.get("memory")
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
