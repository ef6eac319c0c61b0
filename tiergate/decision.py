"""One decision per object, for admission and for the audit alike, with its wording.

The webhook denies an object and the auditor reports it; both read the reason
and the fix from here, so an admission message and an audit report can never
say different things about the same object.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tiergate.classification import ComponentMatch, classify
from tiergate.config import Rule, TiergateConfig
from tiergate.objects import KubeObject
from tiergate.verdicts import Exempted, NamespaceVerdict, exemption_for, judge_namespace

# Verdicts remembered per (rule, namespace, the labels its selector reads); a cluster has
# far fewer namespaces, and relabels only add a few.
_VERDICT_LIMIT = 16_384
_ABSENT = "\0absent"  # not a label value the API accepts: stands for a missing label


@dataclass(frozen=True, slots=True)
class Decision:
    """A rule's judgement of one object that is its component (or satellite).

    `exemption` is an admin exemption that covers the object (active or expired).
    """

    rule: Rule
    match: ComponentMatch
    verdict: NamespaceVerdict
    exemption: Exempted | None = None

    @property
    def violates(self) -> bool:
        """Not allowed where it is, and nothing excuses it."""
        return (
            not self.verdict.allowed
            and not self.verdict.undetermined
            and not self.verdict.system_exempt
            and not (self.exemption is not None and self.exemption.applies)
        )

    @property
    def reason(self) -> str:
        """Why it is (or would be) drift: the namespace's unmet labels, and what matched."""
        return f"{self.verdict.reason} (matched by {self.match.matched_by})"

    @property
    def fix_hint(self) -> str:
        return self.rule.fix_hint

    def fixes(self, *, namespace: str) -> str:
        """Both ways out: the rule's fix, or a namespace that meets the rule."""
        return rule_fixes(self.rule, namespace=namespace)

    def message(self, *, kind: str, name: str, namespace: str) -> str:
        """The whole sentence a user reads when the object is refused."""
        return (
            f"{self.rule.name}: {kind} {name} may not run in namespace {namespace}: "
            f"{self.reason}. To fix: {self.fixes(namespace=namespace)}"
        )


def rule_fixes(rule: Rule, *, namespace: str) -> str:
    """Both ways out of a violation, worded once for the webhook, the auditor and the policy."""
    return (
        f"{rule.fix_hint}; or, if namespace {namespace} should have {rule.name}, "
        f"give it {rule.allowed_in.describe()}"
    )


class Decider:
    """One configuration, prepared once for every decision made under it.

    What depends only on the configuration and tiergate's own namespace (the set of
    namespaces nothing is judged in) is worked out here, not again for each of the
    webhook's reviews or the auditor's checks before a write.
    """

    def __init__(self, config: TiergateConfig, *, own_namespace: str) -> None:
        self.config = config
        self.own_namespace = own_namespace
        self.exempt_namespaces = config.exempt_namespace_set(own_namespace=own_namespace)
        # A verdict (and its wording) depends on the namespace and on the labels the rule's
        # selector reads, nothing else: each rule, and the labels it reads, by rule name.
        self._selector_keys = {r.name: (r, tuple(sorted(r.allowed_in.keys))) for r in config.rules}
        self._verdicts: dict[tuple[str, str, tuple[str, ...] | None], NamespaceVerdict] = {}

    def namespace_verdict(
        self, rule: Rule, *, namespace: str | None, labels: Mapping[str, str] | None
    ) -> NamespaceVerdict:
        """`judge_namespace` under this configuration's exempt namespaces; remembered for
        this configuration's own rules, as the webhook asks the same for every review."""
        own, keys = self._selector_keys.get(rule.name, (None, ()))
        if namespace is None or own is not rule:
            return self._judge(rule, namespace=namespace, labels=labels)
        values = None if labels is None else tuple([labels.get(k, _ABSENT) for k in keys])
        key = (rule.name, namespace, values)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= _VERDICT_LIMIT:
                self._verdicts.clear()
            verdict = self._verdicts[key] = self._judge(rule, namespace=namespace, labels=labels)
        return verdict

    def _judge(
        self, rule: Rule, *, namespace: str | None, labels: Mapping[str, str] | None
    ) -> NamespaceVerdict:
        return judge_namespace(
            rule,
            namespace=namespace,
            labels=labels,
            exempt_namespaces=self.exempt_namespaces,
            own_namespace=self.own_namespace,
        )

    def decide(
        self, obj: KubeObject, *, namespace_labels: Mapping[str, str] | None, now: datetime
    ) -> list[Decision]:
        """The decision of every rule whose component (or satellite) `obj` is."""
        namespace = obj.namespace
        decisions = []
        for rule in self.config.rules:
            match = classify(obj, rule=rule)
            if match is None:
                continue
            verdict = self.namespace_verdict(rule, namespace=namespace, labels=namespace_labels)
            exemption = (
                exemption_for(rule, namespace=namespace, name=obj.name, now=now)
                if namespace is not None
                else None
            )
            decisions.append(Decision(rule=rule, match=match, verdict=verdict, exemption=exemption))
        return decisions


def decide(
    obj: KubeObject,
    *,
    config: TiergateConfig,
    namespace_labels: Mapping[str, str] | None,
    own_namespace: str,
    now: datetime,
) -> list[Decision]:
    """Every rule's decision on `obj`, for a caller without a Decider (one that decides
    often keeps a Decider, so the configuration is prepared once)."""
    decider = Decider(config, own_namespace=own_namespace)
    return decider.decide(obj, namespace_labels=namespace_labels, now=now)
