"""The ValidatingAdmissionPolicy for each rule, and its binding, rendered from the config.

A backstop beside the webhook, or the whole enforcement for users who want no
webhook: CREATE only (it runs before webhooks, so on UPDATE it would block what the
webhook's decision table allows), and never a denial the core would not make.
"""

from typing import Any

from tiergate.admission_config import (
    DEFAULT_OWN_NAMESPACE,
    metadata,
    namespace_selector,
    resource_rules,
)
from tiergate.admission_request import CONTROLLER_USERNAMES
from tiergate.cel import all_of, any_of, field, literal, names_regex, selector_expression
from tiergate.component_cel import policy_component
from tiergate.config import Enforcement, Rule, TiergateConfig
from tiergate.decision import rule_fixes
from tiergate.kinds import JUDGED_KINDS, KindRole
from tiergate.text import printable
from tiergate.verdicts import unmet_reason

VALIDATION_ACTIONS = {
    Enforcement.DENY: ["Deny"],
    Enforcement.WARN: ["Warn"],
    Enforcement.DRYRUN: ["Audit"],
}
_PLACE = "\0"  # where the request's namespace goes in the core's wording


def policy_name(rule: Rule) -> str:
    return f"tiergate-{rule.name}"


def _exempted(rule: Rule) -> str:
    """An admin exemption covers the object; expiry is not checked (the policy has no
    clock), so an expired exemption still lets the object through here."""
    namespace_guard, namespace = field("request", "namespace", last="string")
    name_guard, name = field("object", "metadata", "name", last="string")
    terms = []
    for exemption in rule.exemptions:
        in_namespace = literal(names_regex([exemption.namespace]))
        covered = f"{namespace_guard} && {namespace}.matches({in_namespace})"
        if exemption.names:
            covered += (
                f" && {name_guard} && {name}.matches({literal(names_regex(exemption.names))})"
            )
        terms.append(covered)
    return any_of(terms)


def match_conditions(rule: Rule) -> list[dict[str, str]]:
    """When the policy judges at all: the rule's component, not made by its controller,
    not being deleted, not exempted by the admin."""
    user_guard, user = field("request", "userInfo", "username", last="string")
    deleting, _ = field("object", "metadata", "deletionTimestamp", last="string")
    controller = literal(f"^(?:{CONTROLLER_USERNAMES})$")
    conditions = [
        {"name": "is-component", "expression": policy_component(rule)},
        {
            "name": "not-from-kube-controller-manager",
            "expression": f"!({user_guard} && {user}.matches({controller}))",
        },
        {"name": "not-being-deleted", "expression": f"!({deleting})"},
    ]
    if rule.exemptions:
        conditions.append({"name": "not-exempted", "expression": f"!({_exempted(rule)})"})
    return conditions


def _wording(rule: Rule) -> tuple[str, str]:
    """The denial as the webhook words it (the namespace's unmet labels aside): a fixed
    message, and a messageExpression that names the object and the namespace."""
    namespace_guard, namespace = field("request", "namespace", last="string")
    name_guard, name = field("object", "metadata", "name", last="string")
    kind_guard, kind = field("request", "kind", "kind", last="string")
    # The namespace follows the fix hint, which is free text (a NUL included): split at the last.
    before, _, after = rule_fixes(rule, namespace=_PLACE).rpartition(_PLACE)
    before, after = printable(before), printable(after)
    lacks = ": " + unmet_reason(rule, unmet=rule.allowed_in.describe())
    message = printable(
        f"{rule.name}: this object may not run in its namespace{lacks}. To fix: "
        + rule_fixes(rule, namespace="(its namespace)")
    )

    def text(guard: str, value: str) -> str:
        return f"({guard} ? {value} : {literal('?')})"

    expression = " + ".join(
        (
            literal(f"{rule.name}: "),
            text(kind_guard, kind),
            literal(" "),
            text(name_guard, name),
            literal(" may not run in namespace "),
            text(namespace_guard, namespace),
            literal(f"{lacks}. To fix: {before}"),
            text(namespace_guard, namespace),
            literal(after),
        )
    )
    return message, expression


def _allowed(rule: Rule) -> str:
    """The namespace meets the rule's selector, or is not known (the policy then allows)."""
    present, labels = field("namespaceObject", "metadata", "labels", last="map")
    meets = selector_expression(labels, present=f"({present})", selector=rule.allowed_in)
    return f"!(type(namespaceObject) == map) || {all_of([meets])}"


def validating_admission_policy(
    rule: Rule, *, config: TiergateConfig, own_namespace: str = DEFAULT_OWN_NAMESPACE
) -> dict[str, Any]:
    message, message_expression = _wording(rule)
    judged = [k for k in JUDGED_KINDS if k.role != KindRole.NAMESPACE]
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": metadata(policy_name(rule), config=config, component="admission-policy"),
        "spec": {
            # A policy error must never deny what the webhook would allow.
            "failurePolicy": "Ignore",
            "matchConstraints": {
                "matchPolicy": "Equivalent",
                "namespaceSelector": namespace_selector(config, own_namespace=own_namespace),
                "objectSelector": {},
                "resourceRules": resource_rules(judged, operations=["CREATE"]),
            },
            "matchConditions": match_conditions(rule),
            "validations": [
                {
                    "expression": _allowed(rule),
                    "message": message,
                    "messageExpression": message_expression,
                    "reason": "Forbidden",
                }
            ],
        },
    }


def policy_binding(rule: Rule, *, config: TiergateConfig) -> dict[str, Any]:
    """The rule's enforcement as validationActions: deny -> Deny, warn -> Warn, dryrun -> Audit."""
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": metadata(policy_name(rule), config=config, component="admission-policy"),
        "spec": {
            "policyName": policy_name(rule),
            "validationActions": VALIDATION_ACTIONS[rule.enforcement],
        },
    }
