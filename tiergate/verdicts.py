"""May this rule's component be in this namespace? Labels, exempt namespaces, exemptions.

The webhook and the auditor ask the same question; both get the same answer,
including the words that tell a user why and how an exemption applies.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tiergate.config import Rule


@dataclass(frozen=True)
class NamespaceVerdict:
    """`allowed` is only meaningful when `undetermined` is False."""

    allowed: bool
    undetermined: bool = False
    reason: str = ""
    exempt: bool = False
    system_exempt: bool = False
    exemption: str | None = None
    exemption_note: str = ""


def _exemption(rule: Rule, *, namespace: str, name: str, now: datetime) -> NamespaceVerdict | None:
    """The verdict an admin's exemption gives, if one covers the object."""
    expired_notes: list[str] = []
    for exemption in rule.exemptions:
        if not exemption.covers(namespace=namespace, name=name):
            continue
        if not exemption.expired(now):
            until = f" until {exemption.expires.isoformat()}" if exemption.expires else ""
            return NamespaceVerdict(
                allowed=False,
                exempt=True,
                exemption=exemption.reason,
                exemption_note=f"; exempt{until}: {exemption.reason}",
            )
        expired_notes.append(f"; exemption expired {exemption.expires}: {exemption.reason}")
    if expired_notes:
        return NamespaceVerdict(allowed=False, exemption_note=expired_notes[0])
    return None


def judge_namespace(
    rule: Rule,
    *,
    namespace: str | None,
    name: str,
    labels: Mapping[str, str] | None,
    exempt_namespaces: frozenset[str],
    now: datetime,
) -> NamespaceVerdict:
    """Judge an object called `name` of `rule`'s component in `namespace` (labels or None)."""
    if namespace is None:
        return NamespaceVerdict(
            allowed=False, undetermined=True, reason="the object names no namespace"
        )
    if namespace in exempt_namespaces:
        return NamespaceVerdict(
            allowed=labels is not None and rule.allowed_in.matches(labels),
            reason=f"namespace {namespace} is exempt from every rule",
            exempt=True,
            system_exempt=True,
            exemption="exemptNamespaces",
            exemption_note=f"; namespace {namespace} is exempt from every rule (exemptNamespaces)",
        )
    if labels is None:
        return NamespaceVerdict(
            allowed=False,
            undetermined=True,
            reason=f"the labels of namespace {namespace} are unknown",
        )
    if rule.allowed_in.matches(labels):
        return NamespaceVerdict(allowed=True)
    reason = (
        f"namespace does not meet {', '.join(rule.allowed_in.unmet(labels))}, "
        f"which {rule.name} requires"
    )
    exemption = _exemption(rule, namespace=namespace, name=name, now=now)
    if exemption is None:
        return NamespaceVerdict(allowed=False, reason=reason)
    return NamespaceVerdict(
        allowed=False,
        reason=reason,
        exempt=exemption.exempt,
        exemption=exemption.exemption,
        exemption_note=exemption.exemption_note,
    )
