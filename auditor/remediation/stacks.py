"""Planning: which findings of a pass form stacks the auditor may act on, and in what order.

Pure. A stack is a rule's component in one namespace: its workloads and their
satellites (or satellites left orphaned). Everything that must never be touched
(sidecars, exemptions, undetermined or allowed namespaces, a rule that allows no
remediation) is held here with its reason, before anything is read again.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from tiergate.classification import Role
from tiergate.config import Remediation, Rule, TiergateConfig
from tiergate.findings import AuditReport, Drift, Finding
from tiergate.remediation_report import Held
from tiergate.verdicts import judge_namespace

# Write order inside a stack: what scrapes, then what routes, then what runs.
_ORDER = {"ServiceMonitor": 0, "PodMonitor": 0, "Service": 1}
_WORKLOAD_ORDER = 2
NOT_SCALABLE = frozenset({"Pod", "Job", "DaemonSet"})


@dataclass(frozen=True)
class Target:
    """One object of a stack, named exactly (the uid is checked before each write)."""

    rule: str
    namespace: str
    kind: str
    name: str
    uid: str
    role: Role
    helm_release: str | None
    fix_hint: str


@dataclass(frozen=True)
class Stack:
    rule: Rule
    namespace: str
    action: Remediation
    targets: tuple[Target, ...]

    @property
    def helm_release(self) -> str | None:
        """The Helm release of any of its objects: its values must change, or the next
        `helm upgrade` brings the whole stack back."""
        return next((t.helm_release for t in self.targets if t.helm_release), None)


@dataclass
class Plan:
    stacks: list[Stack] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def _held(finding: Finding, *, reason: str) -> Held:
    return Held(
        rule=finding.rule,
        namespace=finding.namespace,
        kind=finding.kind,
        name=finding.name,
        uid=finding.uid,
        reason=reason,
    )


def _why_not(  # noqa: PLR0911 - one early answer per reason to hold it
    finding: Finding,
    *,
    rule: Rule,
    labels: Mapping[str, str] | None,
    blocked: frozenset[str],
    own_namespace: str,
    exempt_namespaces: frozenset[str],
) -> str | None:
    """Why this finding must be left alone whatever happens next, or None."""
    if finding.exempt:
        return f"exempt: {finding.exemption}"
    if rule.remediation == Remediation.NONE:
        return f"rule {rule.name} allows no remediation (remediation: none)"
    if finding.sidecar:
        return "the component shares its pod with other containers (a sidecar): never remediated"
    if finding.namespace in blocked:
        return f"the labels of namespace {finding.namespace} could not be determined in this pass"
    if finding.uid is None:
        return "the object that owns it was not read, so there is no exact object to act on"
    verdict = judge_namespace(
        rule,
        namespace=finding.namespace,
        labels=labels,
        exempt_namespaces=exempt_namespaces,
        own_namespace=own_namespace,
    )
    if verdict.undetermined or verdict.system_exempt or verdict.allowed:
        return f"namespace {finding.namespace} is not one the rule keeps the component out of now"
    if rule.remediation == Remediation.SCALE and finding.role == Role.SATELLITE:
        return "remediation: scale leaves satellites alone"
    if rule.remediation == Remediation.SCALE and finding.kind in NOT_SCALABLE:
        return f"not scalable: a {finding.kind} has no replica count (remediation: scale)"
    return None


def _target(finding: Finding, *, uid: str) -> Target:
    return Target(
        rule=finding.rule,
        namespace=finding.namespace,
        kind=finding.kind,
        name=finding.name,
        uid=uid,
        role=finding.role,
        helm_release=finding.helm_release,
        fix_hint=finding.fix_hint,
    )


def plan_stacks(
    report: AuditReport,
    *,
    config: TiergateConfig,
    namespaces: Mapping[str, Mapping[str, str]],
    own_namespace: str,
) -> Plan:
    """The stacks of a pass whose listing was complete; `namespaces` are the current labels.

    A namespace with an undetermined object is blocked; one with no namespace at
    all blocks everything. Satellites are acted on only with their whole stack:
    next to a held workload of the same rule, they are held too.
    """
    plan = Plan()
    rules = {rule.name: rule for rule in config.rules}
    undetermined = {u.namespace for u in report.undetermined}
    blocked = frozenset(n for n in undetermined if n is not None)
    exempt = config.exempt_namespace_set(own_namespace=own_namespace)
    grouped: dict[tuple[str, str], list[Target]] = {}
    held_workloads: set[tuple[str, str]] = set()
    satellites: list[Finding] = []
    for finding in report.findings:
        if finding.drift not in (Drift.UNWANTED, Drift.ORPHANED):
            continue
        rule = rules[finding.rule]
        why = (
            "an object of the pass names no namespace"
            if None in undetermined
            else _why_not(
                finding,
                rule=rule,
                labels=namespaces.get(finding.namespace),
                blocked=blocked,
                own_namespace=own_namespace,
                exempt_namespaces=exempt,
            )
        )
        key = (finding.rule, finding.namespace)
        if why is not None:
            plan.held.append(_held(finding, reason=why))
            if finding.role == Role.WORKLOAD:
                held_workloads.add(key)
        elif finding.role == Role.SATELLITE:
            satellites.append(finding)
        else:
            grouped.setdefault(key, []).append(_target(finding, uid=finding.uid or ""))
    for finding in satellites:
        key = (finding.rule, finding.namespace)
        if key in held_workloads:
            why = "a workload of its stack is held, so its satellites are held with it"
            plan.held.append(_held(finding, reason=why))
        else:
            grouped.setdefault(key, []).append(_target(finding, uid=finding.uid or ""))
    for (rule_name, namespace), targets in sorted(grouped.items(), key=lambda i: i[0][::-1]):
        rule = rules[rule_name]
        ordered = sorted(targets, key=lambda t: (_ORDER.get(t.kind, _WORKLOAD_ORDER), t.name))
        plan.stacks.append(
            Stack(rule=rule, namespace=namespace, action=rule.remediation, targets=tuple(ordered))
        )
    return plan
