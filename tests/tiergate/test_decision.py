"""One decision per object: what admission and the audit both say about a component."""

from datetime import UTC, datetime

import pytest

from tests.builders import (
    EXPORTER_IMAGE,
    STARTER,
    container,
    counting_config,
    deployment,
    parse_all,
    run_audit,
)
from tiergate.config import SYSTEM_NAMESPACES, Exemption, TiergateConfig, default_config
from tiergate.decision import Decider, decide
from tiergate.objects import KubeObject
from tiergate.selectors import LabelSelector

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STARTER_LABELS = {"kubernetes.io/metadata.name": "customer-s1", "tier": "starter"}


def _exporter(namespace: str = "customer-s1") -> KubeObject:
    (obj,) = parse_all(
        deployment("s1-mosquitto-exporter", namespace, container("e", EXPORTER_IMAGE))
    )
    return obj


@pytest.mark.parametrize(
    ("namespace", "labels", "violates"),
    [
        pytest.param("customer-s1", STARTER_LABELS, True, id="a Starter namespace violates"),
        pytest.param(
            "customer-e1",
            {"monitoring.dedicated": "true"},
            False,
            id="a namespace with dedicated monitoring is allowed",
        ),
        pytest.param(
            "customer-e1",
            {"monitoring.dedicated": "True"},
            True,
            id="monitoring.dedicated must be exactly true",
        ),
        pytest.param("kube-system", {}, False, id="an exempt namespace is not judged"),
        pytest.param("tiergate-system", {}, False, id="tiergate's own namespace is not judged"),
        pytest.param("customer-x", None, False, id="unknown labels never make a violation"),
    ],
)
def test_the_decision_on_an_exporter_follows_its_namespace(
    namespace: str, labels: dict[str, str] | None, violates: bool
) -> None:
    (decision,) = decide(
        _exporter(namespace),
        config=default_config(),
        namespace_labels=labels,
        own_namespace="tiergate-system",
        now=NOW,
    )
    assert decision.violates is violates


def test_the_refusal_names_the_rule_the_namespace_the_missing_label_and_both_fixes() -> None:
    (decision,) = decide(
        _exporter(),
        config=default_config(),
        namespace_labels=STARTER_LABELS,
        own_namespace="tiergate-system",
        now=NOW,
    )
    message = decision.message(
        kind="Deployment", name="s1-mosquitto-exporter", namespace="customer-s1"
    )
    assert message.startswith(
        "mosquitto-exporter: Deployment s1-mosquitto-exporter may not run in namespace "
        "customer-s1: namespace does not meet monitoring.dedicated=true (label absent)"
    )
    assert "set mosquitto.metrics.enabled=false" in message
    assert "give it monitoring.dedicated=true" in message


def test_an_admin_exemption_excuses_the_object() -> None:
    rule = (
        default_config()
        .rules[0]
        .model_copy(update={"exemptions": (Exemption(namespace="customer-s1", reason="trial"),)})
    )
    config = default_config().model_copy(update={"rules": (rule,)})
    (decision,) = decide(
        _exporter(), config=config, namespace_labels=STARTER_LABELS, own_namespace="x", now=NOW
    )
    assert not decision.violates


def test_an_object_that_is_no_component_has_no_decision() -> None:
    (api,) = parse_all(deployment("api", "customer-s1", container("api", "example/api:2")))
    assert (
        decide(api, config=default_config(), namespace_labels={}, own_namespace="x", now=NOW) == []
    )


def test_the_audit_report_gives_the_same_reason_as_the_decision() -> None:
    (decision,) = decide(
        _exporter(),
        config=default_config(),
        namespace_labels=STARTER["metadata"]["labels"],
        own_namespace="tiergate-system",
        now=NOW,
    )
    exporter = deployment("s1-mosquitto-exporter", "customer-s1", container("e", EXPORTER_IMAGE))
    (finding,) = run_audit(STARTER, exporter).findings
    assert (finding.reason, finding.fix_hint) == (decision.reason, decision.fix_hint)


def test_a_decider_works_out_its_configuration_once_and_reuses_it_for_every_decision() -> None:
    calls: list[str] = []
    decider = Decider(counting_config(calls), own_namespace="tiergate-system")
    (starter,) = decider.decide(_exporter(), namespace_labels=STARTER_LABELS, now=NOW)
    (system,) = decider.decide(_exporter("kube-system"), namespace_labels={}, now=NOW)
    assert (starter.violates, system.verdict.system_exempt) == (True, "exemptNamespaces")
    assert calls == ["tiergate-system"]


def test_a_decider_gives_the_same_decisions_as_decide() -> None:
    decider = Decider(default_config(), own_namespace="tiergate-system")
    for namespace, labels in [("customer-s1", STARTER_LABELS), ("kube-system", {})]:
        exporter = _exporter(namespace)
        assert decider.decide(exporter, namespace_labels=labels, now=NOW) == decide(
            exporter,
            config=default_config(),
            namespace_labels=labels,
            own_namespace="tiergate-system",
            now=NOW,
        )


@pytest.mark.parametrize(
    ("config", "own_namespace", "exempt"),
    [
        pytest.param(default_config(), "tiergate-system", "", id="the default judges customer-s1"),
        pytest.param(
            TiergateConfig(
                exempt_namespaces=(*SYSTEM_NAMESPACES, "customer-s1"),
                rules=default_config().rules,
            ),
            "tiergate-system",
            "exemptNamespaces",
            id="a configuration that exempts customer-s1 does not",
        ),
        pytest.param(
            default_config(),
            "customer-s1",
            "tiergate's own namespace",
            id="nor does one whose own namespace it is",
        ),
    ],
)
def test_each_configuration_gets_a_decider_of_its_own(
    config: TiergateConfig, own_namespace: str, exempt: str
) -> None:
    first = Decider(default_config(), own_namespace="tiergate-system")
    other = Decider(config, own_namespace=own_namespace)
    (decision,) = other.decide(_exporter(), namespace_labels=STARTER_LABELS, now=NOW)
    assert (decision.violates, decision.verdict.system_exempt) == (not exempt, exempt)
    (unchanged,) = first.decide(_exporter(), namespace_labels=STARTER_LABELS, now=NOW)
    assert unchanged.violates


def test_a_decider_reuses_a_namespace_verdict_whatever_other_labels_the_namespace_has() -> None:
    decider = Decider(default_config(), own_namespace="tiergate-system")
    (rule,) = default_config().rules
    first = decider.namespace_verdict(rule, namespace="customer-s1", labels=STARTER_LABELS)
    again = decider.namespace_verdict(
        rule, namespace="customer-s1", labels={**STARTER_LABELS, "team": "other"}
    )
    assert again is first
    assert not first.allowed


@pytest.mark.parametrize(
    ("namespace", "labels", "allowed", "reason"),
    [
        pytest.param(
            "customer-s1",
            {"monitoring.dedicated": "true"},
            True,
            "",
            id="the same namespace relabelled is allowed",
        ),
        pytest.param(
            "customer-s1",
            {"monitoring.dedicated": "false"},
            False,
            "namespace does not meet monitoring.dedicated=true (it has monitoring.dedicated=false)"
            ", which mosquitto-exporter requires",
            id="a relabel to another value is worded with that value",
        ),
        pytest.param(
            "customer-s1",
            None,
            False,
            "the labels of namespace customer-s1 are unknown",
            id="unknown labels are not the remembered verdict",
        ),
        pytest.param(
            "kube-system",
            STARTER_LABELS,
            False,
            "not judged: namespace kube-system is in exemptNamespaces",
            id="another namespace with the same labels gets its own verdict",
        ),
    ],
)
def test_a_decider_judges_each_namespace_and_set_of_selected_labels_apart(
    namespace: str, labels: dict[str, str] | None, allowed: bool, reason: str
) -> None:
    decider = Decider(default_config(), own_namespace="tiergate-system")
    (rule,) = default_config().rules
    remembered = decider.namespace_verdict(rule, namespace="customer-s1", labels=STARTER_LABELS)
    verdict = decider.namespace_verdict(rule, namespace=namespace, labels=labels)
    assert verdict is not remembered
    assert (verdict.allowed, verdict.reason) == (allowed, reason)
    assert verdict == decider.namespace_verdict(rule, namespace=namespace, labels=labels)


def test_a_rule_from_another_configuration_is_judged_by_its_own_selector() -> None:
    decider = Decider(default_config(), own_namespace="tiergate-system")
    (rule,) = default_config().rules
    decider.namespace_verdict(rule, namespace="customer-s1", labels=STARTER_LABELS)
    starters = LabelSelector(match_labels={"tier": "starter"})
    relaxed = rule.model_copy(update={"allowed_in": starters})
    verdict = decider.namespace_verdict(relaxed, namespace="customer-s1", labels=STARTER_LABELS)
    assert verdict.allowed
