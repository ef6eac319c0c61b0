"""Kubernetes LabelSelector: the model and its exact API semantics.

Namespaces are allowed a component through a LabelSelector, so its meaning must
be the API server's (metav1.LabelSelectorAsSelector), operator by operator.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from tiergate.names import LabelKey, LabelValue


class Operator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


class _SelectorModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class LabelSelectorRequirement(_SelectorModel):
    key: LabelKey
    operator: Operator
    values: tuple[LabelValue, ...] = ()

    @model_validator(mode="after")
    def _values_fit_operator(self) -> Self:
        takes_values = self.operator in (Operator.IN, Operator.NOT_IN)
        if takes_values and not self.values:
            raise ValueError(f"operator {self.operator} needs at least one value")
        if not takes_values and self.values:
            raise ValueError(f"operator {self.operator} takes no values")
        return self

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        match self.operator:
            case Operator.IN:
                return present and labels[self.key] in self.values
            case Operator.NOT_IN:
                return not present or labels[self.key] not in self.values
            case Operator.EXISTS:
                return present
            case Operator.DOES_NOT_EXIST:
                return not present

    def describe(self) -> str:
        """The requirement in kubectl's `-l` syntax."""
        values = ",".join(self.values)
        match self.operator:
            case Operator.IN:
                return f"{self.key} in ({values})"
            case Operator.NOT_IN:
                return f"{self.key} notin ({values})"
            case Operator.EXISTS:
                return self.key
            case Operator.DOES_NOT_EXIST:
                return f"!{self.key}"


class LabelSelector(_SelectorModel):
    """An empty selector matches everything, as in the Kubernetes API."""

    match_labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels.items()) and all(
            r.matches(labels) for r in self.match_expressions
        )

    def unmet(self, labels: Mapping[str, str]) -> list[str]:
        """The requirements that labels fail, in kubectl's `-l` syntax, with what is there."""
        unmet = [
            f"{k}={v} (it has {k}={labels[k]})" if k in labels else f"{k}={v} (label absent)"
            for k, v in self.match_labels.items()
            if labels.get(k) != v
        ]
        for requirement in self.match_expressions:
            if not requirement.matches(labels):
                actual = labels.get(requirement.key)
                has = "label absent" if actual is None else f"it has {requirement.key}={actual}"
                unmet.append(f"{requirement.describe()} ({has})")
        return unmet

    @property
    def keys(self) -> frozenset[str]:
        """The label keys the selector reads: no other label can change its answer."""
        return frozenset(self.match_labels) | {r.key for r in self.match_expressions}

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels.items()]
        parts += [r.describe() for r in self.match_expressions]
        return ",".join(parts) or "(every namespace)"
