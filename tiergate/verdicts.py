"""May this rule's component be in this namespace? Labels, exempt namespaces, exemptions.

The webhook and the auditor ask the same question; both get the same answer,
including the words that tell a user why and how an exemption applies.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tiergate.config import Rule


@dataclass(frozen=True, slots=True)
class Exempted:
    """An admin exemption's effect: it applies, or it has expired (and says so)."""

    applies: bool
    reason: str
    note: str


@dataclass(frozen=True, slots=True)
class NamespaceVerdict:
    """`allowed` is only meaningful when `undetermined` is False.

    `system_exempt` names why nothing is judged in the namespace (it is in
    exemptNamespaces, or it is tiergate's own); empty when it is judged.
    """

    allowed: bool
    undetermined: bool = False
    reason: str = ""
    system_exempt: str = ""


def exemption_for(rule: Rule, *, namespace: str, name: str, now: datetime) -> Exempted | None:
    """The admin exemption that covers the object: an active one, else an expired one."""
    expired: Exempted | None = None
    for exemption in rule.exemptions:
        if not exemption.covers(namespace=namespace, name=name):
            continue
        if not exemption.expired(now):
            until = f" until {exemption.expires.isoformat()}" if exemption.expires else ""
            note = f"; exempt{until}: {exemption.reason}"
            return Exempted(applies=True, reason=exemption.reason, note=note)
        if expired is None:
            note = f"; exemption expired {exemption.expires}: {exemption.reason}"
            expired = Exempted(applies=False, reason=exemption.reason, note=note)
    return expired


def judge_namespace(
    rule: Rule,
    *,
    namespace: str | None,
    labels: Mapping[str, str] | None,
    exempt_namespaces: frozenset[str],
    own_namespace: str,
) -> NamespaceVerdict:
    """Judge `rule`'s component in `namespace` (labels or None) by the labels alone.

    Admin exemptions are not part of the verdict: they excuse a finding
    (exemption_for), they do not make a namespace allowed.
    """
    if namespace is None:
        return NamespaceVerdict(
            allowed=False, undetermined=True, reason="the object names no namespace"
        )
    if namespace == own_namespace or namespace in exempt_namespaces:
        exempt_as = "tiergate's own namespace" if namespace == own_namespace else "exemptNamespaces"
        return NamespaceVerdict(
            allowed=labels is not None and rule.allowed_in.matches(labels),
            reason=f"not judged: namespace {namespace} is "
            + ("tiergate's own namespace" if namespace == own_namespace else "in exemptNamespaces"),
            system_exempt=exempt_as,
        )
    if labels is None:
        return NamespaceVerdict(
            allowed=False,
            undetermined=True,
            reason=f"the labels of namespace {namespace} are unknown",
        )
    if rule.allowed_in.matches(labels):
        return NamespaceVerdict(allowed=True)
    reason = unmet_reason(rule, unmet=", ".join(rule.allowed_in.unmet(labels)))
    return NamespaceVerdict(allowed=False, reason=reason)


def unmet_reason(rule: Rule, *, unmet: str) -> str:
    """Why a namespace may not have the rule's component, worded once for the webhook,
    the auditor and the admission policy (`unmet`: the requirements it fails)."""
    return f"namespace does not meet {unmet}, which {rule.name} requires"
