"""The audit pass: judge a snapshot of namespaces and objects against the rules.

Pure and synchronous: the auditor feeds it a snapshot from files or from the API
and gets a report back. A namespace whose labels are unknown is never judged
"allowed": its candidates are listed as undetermined and the report incomplete.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tiergate.classification import ComponentMatch, Role, classify, runs_expected
from tiergate.config import Rule, TiergateConfig
from tiergate.decision import Decision
from tiergate.findings import AuditReport, Drift, Finding, ResourceFigures, Undetermined, summarize
from tiergate.objects import HELM_RELEASE_ANNOTATION, KubeObject
from tiergate.ownership import (
    OwnerIndex,
    Subject,
    group_by_owner,
    is_rollout_history,
    standalone,
)
from tiergate.records import Workload, WorkloadRecord
from tiergate.verdicts import Exempted, NamespaceVerdict, exemption_for, judge_namespace

INSTANCE_LABEL = "app.kubernetes.io/instance"
_KIND_ORDER = {"Namespace": 0, "Service": 2, "ServiceMonitor": 3, "PodMonitor": 3}
_DORMANT_BECAUSE = {
    "Pod": "finished",
    "Job": "suspended or finished",
    "CronJob": "suspended",
    "DaemonSet": "scheduled on no node",
}


@dataclass(frozen=True)
class Scan:
    """Where a snapshot came from, and how much of it could be read.

    `scanned` counts the objects read per kind, the dropped ones included;
    `not_scanned` says why a kind was not read at all (its CRD is not served);
    `incomplete_reasons` say why the pass is incomplete (a kind that could not
    be listed): the report is then never complete, and nothing may be
    remediated from it.
    """

    source: str = ""
    scanned: Mapping[str, int] = field(default_factory=dict)
    not_scanned: Mapping[str, str] = field(default_factory=dict)
    incomplete_reasons: Sequence[str] = ()


@dataclass(frozen=True)
class Snapshot:
    """What the cluster (or a set of files) holds; `namespaces` maps name -> labels.

    `objects` are typed views (Namespaces and possible components), `records`
    the other workloads a judgement may need (owners, brokers: see
    tiergate.sieve).
    """

    namespaces: Mapping[str, Mapping[str, str]]
    objects: Sequence[KubeObject]
    records: Sequence[WorkloadRecord] = ()
    scan: Scan = Scan()

    def __repr__(self) -> str:
        # A whole cluster's objects are no text for a log line or a debugger.
        return (
            f"Snapshot({len(self.namespaces)} namespaces, {len(self.objects)} objects, "
            f"{len(self.records)} records, source={self.scan.source!r})"
        )

    @property
    def object_count(self) -> int:
        scanned = sum(self.scan.scanned.values())
        return scanned or len(self.objects) + len(self.records)


_NOT_EXEMPT = Exempted(applies=False, reason="", note="")


@dataclass
class _RulePass:
    rule: Rule
    snapshot: Snapshot
    exempt_namespaces: frozenset[str]
    own_namespace: str
    now: datetime
    findings: list[Finding] = field(default_factory=list)
    undetermined: list[Undetermined] = field(default_factory=list)

    def verdict(self, namespace: str | None) -> NamespaceVerdict:
        labels = None if namespace is None else self.snapshot.namespaces.get(namespace)
        return judge_namespace(
            self.rule,
            namespace=namespace,
            labels=labels,
            exempt_namespaces=self.exempt_namespaces,
            own_namespace=self.own_namespace,
        )

    def excuse(self, verdict: NamespaceVerdict, *, namespace: str, name: str) -> Exempted:
        """The exemption a finding has: its namespace's, an admin's, or none."""
        if verdict.system_exempt:
            return Exempted(applies=True, reason=verdict.system_exempt, note="")
        exemption = exemption_for(self.rule, namespace=namespace, name=name, now=self.now)
        return exemption or _NOT_EXEMPT

    def not_judged(self, obj: Subject | Workload, *, namespace: str | None, why: str) -> None:
        self.undetermined.append(
            Undetermined(
                rule=self.rule.name, namespace=namespace, kind=obj.kind, name=obj.name, reason=why
            )
        )


def _helm_release(subject: Subject) -> str | None:
    if subject.labels.get("app.kubernetes.io/managed-by") != "Helm":
        return None
    # `helm template` output has no release annotation; charts set the instance label.
    return subject.annotations.get(HELM_RELEASE_ANNOTATION) or subject.labels.get(INSTANCE_LABEL)


def _component_finding(
    run: _RulePass,
    *,
    subject: Subject,
    verdict: NamespaceVerdict,
    orphaned_because: str | None = None,
) -> Finding:
    """An unwanted finding, worded by the core's decision; or an orphaned one."""
    match = subject.match
    workload = match.role == Role.WORKLOAD
    dormant = workload and subject.replicas == 0
    drift = Drift.UNWANTED if orphaned_because is None else Drift.ORPHANED
    if orphaned_because is None:
        reason = Decision(rule=run.rule, match=match, verdict=verdict).reason
    else:
        reason = f"{orphaned_because} (matched by {match.matched_by})"
        if verdict.system_exempt:
            reason += f"; {verdict.reason}"
    excuse = run.excuse(verdict, namespace=subject.namespace or "", name=subject.name)
    if dormant:
        reason += f"; dormant: {_DORMANT_BECAUSE.get(subject.basis.kind, 'scaled to zero')}"
    if subject.obj is not None and not subject.owner_matches and workload:
        runs = ", ".join(sorted({f"{m.kind} {m.name}" for m in subject.members}))
        reason += (
            f"; the {subject.kind}'s current template does not run it, but {runs} "
            "of an unfinished rollout still does"
        )
    if match.init_container:
        reason += (
            "; runs only as an init container that runs to completion before the pod's "
            "other containers start (no steady requests); it shares the pod with them, "
            "so it is never remediated automatically"
        )
    elif match.sidecar:
        reason += "; runs as a sidecar, so it is never remediated automatically"
    return Finding(
        rule=run.rule.name,
        drift=drift,
        role=match.role,
        namespace=subject.namespace or "",
        kind=subject.kind,
        name=subject.name,
        reason=reason + excuse.note,
        fix_hint=_orphan_fix(run.rule, subject=subject, verdict=verdict)
        if drift == Drift.ORPHANED
        else run.rule.fix_hint,
        uid=subject.obj.uid if subject.obj else None,
        dormant=dormant,
        sidecar=match.sidecar,
        init_container=match.init_container,
        exempt=excuse.applies,
        exemption=excuse.reason if excuse.applies else None,
        helm_release=_helm_release(subject),
        replicas=subject.replicas if workload else 0,
        requests=ResourceFigures.of(subject.requests) if workload else ResourceFigures(),
    )


def _orphan_fix(rule: Rule, *, subject: Subject, verdict: NamespaceVerdict) -> str:
    if verdict.allowed and not verdict.undetermined and rule.expected and rule.expected.fix_hint:
        return f"delete the leftover {subject.kind}, or redeploy {rule.name}: " + (
            rule.expected.fix_hint
        )
    return f"delete the leftover {subject.kind} (for a Helm release: {rule.fix_hint})"


def _judge_subject(run: _RulePass, *, subject: Subject, with_workload: set[str | None]) -> None:
    verdict = run.verdict(subject.namespace)
    if subject.namespace is None:
        run.not_judged(subject, namespace=None, why=verdict.reason)
    elif subject.match.role == Role.SATELLITE and subject.namespace not in with_workload:
        why = f"no {run.rule.name} workload is left in the namespace for this {subject.kind}"
        run.findings.append(
            _component_finding(run, subject=subject, verdict=verdict, orphaned_because=why)
        )
    elif verdict.undetermined:
        run.not_judged(subject, namespace=subject.namespace, why=verdict.reason)
    elif not verdict.allowed:
        run.findings.append(_component_finding(run, subject=subject, verdict=verdict))


def _judge_missing(
    run: _RulePass, *, brokers: list[Workload], components: Mapping[str | None, Subject]
) -> None:
    """Allowed namespaces that run the broker but no running component."""
    seen: set[str | None] = set()
    for broker in brokers:
        namespace = broker.namespace
        component = components.get(namespace)
        if namespace in seen or (component is not None and component.replicas > 0):
            continue
        seen.add(namespace)
        verdict = run.verdict(namespace)
        if verdict.undetermined:
            why = f"{verdict.reason}, so it is unknown whether {run.rule.name} is expected there"
            run.not_judged(broker, namespace=namespace, why=why)
        elif verdict.allowed and not verdict.system_exempt and namespace is not None:
            excuse = run.excuse(verdict, namespace=namespace, name=namespace)
            run.findings.append(
                _missing_finding(
                    run, namespace=namespace, broker=broker, dormant=component, excuse=excuse
                )
            )


def _missing_finding(
    run: _RulePass, *, namespace: str, broker: Workload, dormant: Subject | None, excuse: Exempted
) -> Finding:
    lacks = (
        f"its {run.rule.name} {dormant.kind}/{dormant.name} is dormant"
        if dormant is not None
        else f"no {run.rule.name}"
    )
    return Finding(
        rule=run.rule.name,
        drift=Drift.MISSING,
        role=Role.NAMESPACE,
        namespace=namespace,
        kind="Namespace",
        name=namespace,
        reason=f"namespace has {run.rule.allowed_in.describe()} and runs {broker.kind} "
        f"{broker.name}, but {lacks}" + excuse.note,
        fix_hint=(run.rule.expected.fix_hint if run.rule.expected else "")
        or f"deploy {run.rule.name} there",
        exempt=excuse.applies,
        exemption=excuse.reason if excuse.applies else None,
    )


def _audit_rule(run: _RulePass, *, index: OwnerIndex) -> None:
    workloads: list[tuple[KubeObject, ComponentMatch]] = []
    satellites: list[Subject] = []
    brokers: list[Workload] = [
        r for r in run.snapshot.records if r.desired_pods and runs_expected(r, rule=run.rule)
    ]
    for obj in run.snapshot.objects:
        if is_rollout_history(obj):
            continue
        match = classify(obj, rule=run.rule)
        if match is not None and match.role == Role.WORKLOAD:
            workloads.append((obj, match))
        elif match is not None:
            satellites.append(standalone(obj, match=match))
        if not obj.dormant and runs_expected(obj, rule=run.rule):
            brokers.append(obj)
    subjects = group_by_owner(workloads, index=index)
    with_workload = {s.namespace for s in subjects}
    for subject in subjects + satellites:
        _judge_subject(run, subject=subject, with_workload=with_workload)
    # The running component of each namespace, else any (dormant) one.
    components = {s.namespace: s for s in sorted(subjects, key=lambda s: s.replicas > 0)}
    _judge_missing(run, brokers=brokers, components=components)


def _sort_key(finding: Finding) -> tuple[str, str, str, int, str]:
    kind_rank = _KIND_ORDER.get(finding.kind, 1)
    return (finding.namespace, finding.rule, finding.drift, kind_rank, finding.name)


def audit(
    snapshot: Snapshot, *, config: TiergateConfig, own_namespace: str, now: datetime
) -> AuditReport:
    """Judge every object of the snapshot against every rule of the config."""
    index = OwnerIndex([*snapshot.objects, *snapshot.records])
    exempt = config.exempt_namespace_set(own_namespace=own_namespace)
    findings: list[Finding] = []
    undetermined: list[Undetermined] = []
    for rule in config.rules:
        run = _RulePass(
            rule=rule,
            snapshot=snapshot,
            exempt_namespaces=exempt,
            own_namespace=own_namespace,
            now=now,
        )
        _audit_rule(run, index=index)
        findings += run.findings
        undetermined += run.undetermined
    findings.sort(key=_sort_key)
    undetermined.sort(key=lambda u: (u.namespace or "", u.rule, u.kind, u.name))
    scan = snapshot.scan
    return AuditReport(
        complete=not undetermined and not scan.incomplete_reasons,
        incomplete_reasons=list(scan.incomplete_reasons),
        source=scan.source,
        scanned=dict(sorted(scan.scanned.items())),
        not_scanned=dict(sorted(scan.not_scanned.items())),
        findings=findings,
        undetermined=undetermined,
        summary=summarize(
            findings,
            undetermined=undetermined,
            namespaces=len(snapshot.namespaces),
            objects=snapshot.object_count,
            rules=[r.name for r in config.rules],
        ),
    )
