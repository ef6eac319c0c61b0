"""The ValidatingAdmissionPolicy and its binding: enforcement, and the words a user reads.

The policy is a backstop beside the webhook (or all there is, without one), so its
denial must read as the webhook's does, and each rule's enforcement must reach the
binding unchanged.
"""

import re
from typing import Any

import pytest

from tests import reviews
from tests.builders import NOW, namespace
from tests.cel_engines import agreed, text
from tiergate.admission import Admission
from tiergate.admission_policy import policy_binding, policy_name, validating_admission_policy
from tiergate.config import Enforcement, TiergateConfig, default_config, parse_config
from webhook.review import AdmissionRequest

OWN = "tiergate-system"


def _config(enforcement: str) -> TiergateConfig:
    rule = default_config().model_dump(mode="json", by_alias=True)["rules"][0]
    return parse_config({"rules": [{**rule, "enforcement": enforcement}]}, source="test")


@pytest.mark.parametrize(
    ("enforcement", "actions"),
    [("deny", ["Deny"]), ("warn", ["Warn"]), ("dryrun", ["Audit"])],
)
def test_each_rule_binding_turns_its_enforcement_into_validation_actions(
    enforcement: str, actions: list[str]
) -> None:
    config = _config(enforcement)
    (rule,) = config.rules
    assert rule.enforcement == Enforcement(enforcement)
    binding = policy_binding(rule, config=config)
    policy = validating_admission_policy(rule, config=config)
    assert binding["spec"] == {"policyName": policy_name(rule), "validationActions": actions}
    assert binding["metadata"]["name"] == policy["metadata"]["name"] == policy_name(rule)


# What only the webhook can say: which labels are missing or wrong, and what matched.
_WEBHOOK_DETAILS = re.compile(r" \((?:label absent|it has [^)]*|matched by [^)]*)\)")


@pytest.mark.parametrize(
    "request_",
    [reviews.deployment_create(), reviews.exporter_service()],
    ids=["exporter Deployment", "exporter Service"],
)
def test_the_policy_words_its_denial_as_the_webhook_does(request_: dict[str, Any]) -> None:
    config = default_config()
    labels = reviews.STARTER_LABELS
    review = AdmissionRequest.model_validate(request_).review_request()
    denied = Admission(config, own_namespace=OWN).review(review, labels=labels, now=NOW)
    assert not denied.allowed
    (validation,) = validating_admission_policy(config.rules[0], config=config)["spec"][
        "validations"
    ]
    activation = {
        "request": request_,
        "object": request_["object"],
        "oldObject": None,
        "namespaceObject": namespace(request_["namespace"], **labels),
    }
    worded, _ = text(validation["messageExpression"], activation=activation)
    assert worded == _WEBHOOK_DETAILS.sub("", denied.message)


@pytest.mark.parametrize(
    "namespace_object",
    [None, {}, {"metadata": {}}, {"metadata": {"labels": None}}],
    ids=["absent", "empty", "no labels", "null labels"],
)
def test_the_policy_allows_without_a_namespace_object_and_reads_missing_labels_as_none(
    namespace_object: dict[str, Any] | None,
) -> None:
    config = default_config()
    (validation,) = validating_admission_policy(config.rules[0], config=config)["spec"][
        "validations"
    ]
    request = reviews.deployment_create()
    activation = {"request": request, "object": request["object"]}
    expression = validation["expression"]
    allowed = agreed(expression, activation={**activation, "namespaceObject": namespace_object})
    assert allowed is (namespace_object is None)


@pytest.mark.parametrize(
    "fix_hint",
    ["set x\\x00y (a backslash escape, as text)", "a NUL \x00 character", "tab\there"],
)
def test_any_fix_hint_renders_and_reads_as_the_webhook_s(fix_hint: str) -> None:
    rule = default_config().model_dump(mode="json", by_alias=True)["rules"][0]
    config = parse_config({"rules": [{**rule, "fixHint": fix_hint}]}, source="test")
    request = reviews.deployment_create()
    review = AdmissionRequest.model_validate(request).review_request()
    labels = reviews.STARTER_LABELS
    denied = Admission(config, own_namespace=OWN).review(review, labels=labels, now=NOW)
    (validation,) = validating_admission_policy(config.rules[0], config=config)["spec"][
        "validations"
    ]
    activation = {
        "request": request,
        "object": request["object"],
        "namespaceObject": namespace(request["namespace"], **labels),
    }
    worded, _ = text(validation["messageExpression"], activation=activation)
    assert worded == _WEBHOOK_DETAILS.sub("", denied.message)
    assert validation["message"].isprintable(), "kube-apiserver refuses a message with a line break"
