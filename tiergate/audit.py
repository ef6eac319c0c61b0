"""The audit pass: judge a snapshot of namespaces and objects against the rules.

Pure and synchronous: the auditor feeds it a snapshot from files or from the API
and gets a report back. A namespace whose labels are unknown is never judged
"allowed": its candidates are listed as undetermined and the report incomplete.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tiergate.classification import ComponentMatch, Role, classify, runs_expected
from tiergate.config import Rule, TiergateConfig
from tiergate.findings import AuditReport, Drift, Finding, ResourceFigures, Undetermined, summarize
from tiergate.objects import KubeObject
from tiergate.ownership import OwnerIndex, Subject, group_by_owner
from tiergate.verdicts import NamespaceVerdict, judge_namespace

HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
_KIND_ORDER = {"Namespace": 0, "Service": 2, "ServiceMonitor": 3, "PodMonitor": 3}


@dataclass(frozen=True)
class Snapshot:
    """What the cluster (or a set of files) holds; `namespaces` maps name -> labels."""

    namespaces: Mapping[str, Mapping[str, str]]
    objects: Sequence[KubeObject]


@dataclass(frozen=True)
class _RulePass:
    rule: Rule
    snapshot: Snapshot
    exempt_namespaces: frozenset[str]
    now: datetime

    def verdict(self, namespace: str | None, name: str) -> NamespaceVerdict:
        labels = None if namespace is None else self.snapshot.namespaces.get(namespace)
        return judge_namespace(
            self.rule,
            namespace=namespace,
            name=name,
            labels=labels,
            exempt_namespaces=self.exempt_namespaces,
            now=self.now,
        )


def _helm_release(subject: Subject) -> str | None:
    if subject.labels.get("app.kubernetes.io/managed-by") != "Helm":
        return None
    # `helm template` output has no release annotation; charts set the instance label.
    return subject.annotations.get(HELM_RELEASE_ANNOTATION) or subject.labels.get(INSTANCE_LABEL)


def _component_finding(
    run: _RulePass, subject: Subject, *, drift: Drift, verdict: NamespaceVerdict, why: str
) -> Finding:
    match = subject.match
    dormant = subject.match.role == Role.WORKLOAD and subject.replicas == 0
    reason = why + f" (matched by {match.matched_by})"
    if dormant:
        reason += "; dormant: scaled to zero, suspended or finished"
    if match.sidecar:
        reason += "; runs as a sidecar, so it is never remediated automatically"
    return Finding(
        rule=run.rule.name,
        drift=drift,
        role=match.role,
        namespace=subject.namespace or "",
        kind=subject.kind,
        name=subject.name,
        reason=reason + verdict.exemption_note,
        fix_hint=run.rule.fix_hint,
        uid=subject.obj.metadata.uid if subject.obj else None,
        dormant=dormant,
        sidecar=match.sidecar,
        exempt=verdict.exempt,
        exemption=verdict.exemption,
        helm_release=_helm_release(subject),
        replicas=subject.replicas if match.role == Role.WORKLOAD else 0,
        requests=ResourceFigures.of(subject.requests)
        if match.role == Role.WORKLOAD
        else ResourceFigures(),
    )


def _undetermined(run: _RulePass, subject: Subject, verdict: NamespaceVerdict) -> Undetermined:
    return Undetermined(
        rule=run.rule.name,
        namespace=subject.namespace,
        kind=subject.kind,
        name=subject.name,
        reason=verdict.reason,
    )


def _audit_rule(run: _RulePass, index: OwnerIndex) -> tuple[list[Finding], list[Undetermined]]:
    workloads: list[tuple[KubeObject, ComponentMatch]] = []
    satellites: list[tuple[KubeObject, ComponentMatch]] = []
    brokers: dict[str, KubeObject] = {}
    for obj in run.snapshot.objects:
        match = classify(obj, run.rule)
        if match is not None:
            (workloads if match.role == Role.WORKLOAD else satellites).append((obj, match))
        if obj.metadata.namespace and not obj.dormant and runs_expected(obj, run.rule):
            brokers.setdefault(obj.metadata.namespace, obj)

    findings: list[Finding] = []
    undetermined: list[Undetermined] = []
    subjects = group_by_owner(workloads, index)
    with_workload = {s.namespace for s in subjects}
    running = {s.namespace for s in subjects if s.replicas > 0}
    for subject in subjects + group_by_owner(satellites, index):
        verdict = run.verdict(subject.namespace, subject.name)
        if subject.match.role == Role.SATELLITE and subject.namespace not in with_workload:
            why = f"no {run.rule.name} workload is left in the namespace for this {subject.kind}"
            findings.append(
                _component_finding(run, subject, drift=Drift.ORPHANED, verdict=verdict, why=why)
            )
        elif verdict.undetermined:
            undetermined.append(_undetermined(run, subject, verdict))
        elif not verdict.allowed:
            findings.append(
                _component_finding(
                    run, subject, drift=Drift.UNWANTED, verdict=verdict, why=verdict.reason
                )
            )
    for namespace, broker in brokers.items():
        if namespace in running:
            continue
        verdict = run.verdict(namespace, namespace)
        if verdict.undetermined:
            undetermined.append(
                Undetermined(
                    rule=run.rule.name,
                    namespace=namespace,
                    kind=broker.kind,
                    name=broker.name,
                    reason=f"{verdict.reason}, so it is unknown whether {run.rule.name} "
                    "is expected there",
                )
            )
        elif verdict.allowed and not verdict.system_exempt:
            findings.append(_missing_finding(run, namespace, broker, verdict))
    return findings, undetermined


def _missing_finding(
    run: _RulePass, namespace: str, broker: KubeObject, verdict: NamespaceVerdict
) -> Finding:
    return Finding(
        rule=run.rule.name,
        drift=Drift.MISSING,
        role=Role.NAMESPACE,
        namespace=namespace,
        kind="Namespace",
        name=namespace,
        reason=f"namespace has {run.rule.allowed_in.describe()} and runs {broker.kind} "
        f"{broker.name}, but no {run.rule.name}" + verdict.exemption_note,
        fix_hint=(run.rule.expected.fix_hint if run.rule.expected else "")
        or f"deploy {run.rule.name} there",
        exempt=verdict.exempt,
        exemption=verdict.exemption,
    )


def _sort_key(finding: Finding) -> tuple[str, str, str, int, str]:
    kind_rank = _KIND_ORDER.get(finding.kind, 1)
    return (finding.namespace, finding.rule, finding.drift, kind_rank, finding.name)


def audit(
    snapshot: Snapshot, config: TiergateConfig, *, own_namespace: str, now: datetime
) -> AuditReport:
    """Judge every object of the snapshot against every rule of the config."""
    index = OwnerIndex(snapshot.objects)
    exempt = config.exempt_namespace_set(own_namespace=own_namespace)
    findings: list[Finding] = []
    undetermined: list[Undetermined] = []
    for rule in config.rules:
        run = _RulePass(rule=rule, snapshot=snapshot, exempt_namespaces=exempt, now=now)
        rule_findings, rule_undetermined = _audit_rule(run, index)
        findings += rule_findings
        undetermined += rule_undetermined
    findings.sort(key=_sort_key)
    undetermined.sort(key=lambda u: (u.namespace or "", u.rule, u.kind, u.name))
    return AuditReport(
        complete=not undetermined,
        findings=findings,
        undetermined=undetermined,
        summary=summarize(
            findings,
            undetermined,
            namespaces=len(snapshot.namespaces),
            objects=len(snapshot.objects),
            rules=[r.name for r in config.rules],
        ),
    )
