"""Rule configuration: pydantic models, the built-in default rule, and loading.

Rules are admin-written config; a typo must stop start-up with the field named,
never turn into a rule that silently matches nothing.
"""

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from tiergate.globs import Glob, first_matching_glob, glob_matches
from tiergate.names import DnsLabel, LabelKey, LabelValue
from tiergate.selectors import LabelSelector
from tiergate.validation import describe_errors

SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


class ConfigModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Enforcement(StrEnum):
    """What admission does with a violation."""

    DENY = "deny"
    WARN = "warn"
    DRYRUN = "dryrun"


class Remediation(StrEnum):
    """The most the auditor may do to a violation, in increasing force."""

    NONE = "none"
    SCALE = "scale"
    DELETE = "delete"


class ComponentMatcher(ConfigModel):
    """An object is the component if any of these match (see README, 'What counts')."""

    images: tuple[Glob, ...] = ()
    names: tuple[Glob, ...] = ()
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _matches_something(self) -> Self:
        if not (self.images or self.names or self.labels):
            raise ValueError("needs at least one of images, names or labels")
        return self


class Expected(ConfigModel):
    """Where a namespace is allowed the component and runs this, it is expected."""

    with_images: tuple[Glob, ...] = Field(min_length=1)
    fix_hint: str = ""


class Exemption(ConfigModel):
    """An admin-granted exception; tenants cannot grant themselves one."""

    namespace: Glob
    names: tuple[Glob, ...] = ()
    reason: str = Field(min_length=1)
    expires: datetime | date | None = None

    @field_validator("expires", mode="before")
    @classmethod
    def _date_or_time(cls, value: object) -> object:
        # A quoted `"2026-12-31"` (and any JSON config) must still mean a whole day.
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(  # noqa: TRY004 - pydantic reports ValueError
                f"{value!r} is neither a date (2026-12-31) nor an RFC 3339 time"
            )
        if isinstance(value, str):
            try:
                return (
                    date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
                )
            except ValueError as error:
                raise ValueError(
                    f"{value!r} is neither a date (2026-12-31) nor an RFC 3339 time"
                ) from error
        return value

    def covers(self, *, namespace: str, name: str) -> bool:
        if not glob_matches(self.namespace, text=namespace):
            return False
        return not self.names or first_matching_glob(self.names, text=name) is not None

    def expired(self, now: datetime) -> bool:
        if self.expires is None:
            return False
        if isinstance(self.expires, datetime):
            expires = self.expires
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=now.tzinfo)
            return now >= expires
        # A date expires at the end of that day.
        return now.date() > self.expires


class Rule(ConfigModel):
    name: DnsLabel
    description: str = ""
    component: ComponentMatcher
    allowed_in: LabelSelector
    expected: Expected | None = None
    enforcement: Enforcement = Enforcement.DENY
    remediation: Remediation = Remediation.NONE
    fix_hint: str = Field(min_length=1)
    exemptions: tuple[Exemption, ...] = ()


class TiergateConfig(ConfigModel):
    api_version: Literal["tiergate.io/v1alpha1"] = "tiergate.io/v1alpha1"
    kind: Literal["TiergateConfig"] = "TiergateConfig"
    exempt_namespaces: tuple[DnsLabel, ...] = SYSTEM_NAMESPACES
    rules: tuple[Rule, ...]

    @field_validator("rules")
    @classmethod
    def _rules_named_once(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        if not rules:
            raise ValueError("at least one rule is needed")
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                raise ValueError(f"rule name {rule.name!r} is used twice")
            seen.add(rule.name)
        return rules

    @property
    def namespace_label_keys(self) -> frozenset[str]:
        """The namespace labels any rule reads; a source need keep no others."""
        return frozenset(key for rule in self.rules for key in rule.allowed_in.keys)

    def exempt_namespace_set(self, *, own_namespace: str) -> frozenset[str]:
        """The namespaces nothing is judged in: the configured ones and tiergate's own."""
        return frozenset((*self.exempt_namespaces, own_namespace))


MOSQUITTO_EXPORTER_RULE = Rule(
    name="mosquitto-exporter",
    description=(
        "The MQTT broker's Prometheus exporter needs a dedicated Prometheus to scrape it; "
        "elsewhere it crash-loops on auth errors and wastes ~100m CPU / ~128Mi."
    ),
    component=ComponentMatcher(
        images=("*mosquitto-exporter*",),
        names=("*mosquitto-exporter",),
        labels={"app.kubernetes.io/component": "mosquitto-exporter"},
    ),
    allowed_in=LabelSelector(match_labels={"monitoring.dedicated": "true"}),
    expected=Expected(
        with_images=("*eclipse-mosquitto*", "*mosquitto:*"),
        fix_hint="set mosquitto.metrics.enabled=true in the Enterprise tenant's Helm values",
    ),
    enforcement=Enforcement.DENY,
    remediation=Remediation.DELETE,
    fix_hint="set mosquitto.metrics.enabled=false in the tenant's Helm values (Starter and "
    "Professional tenants have no dedicated Prometheus)",
)


def default_config() -> TiergateConfig:
    """The built-in configuration: the mosquitto-exporter rule and the system namespaces."""
    return TiergateConfig(rules=(MOSQUITTO_EXPORTER_RULE,))


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the field."""


def describe_validation_error(error: ValidationError, *, source: str) -> str:
    """One line per problem: `source: field.path: message`."""
    return "\n".join(f"{source}: {line}" for line in describe_errors(error))


def parse_config(document: Any, *, source: str) -> TiergateConfig:
    """Validate an already-parsed document; `source` names it in errors."""
    if not isinstance(document, Mapping):
        raise ConfigError(f"{source}: the configuration must be a mapping with a 'rules' key")
    try:
        return TiergateConfig.model_validate(document)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, source=source)) from error
