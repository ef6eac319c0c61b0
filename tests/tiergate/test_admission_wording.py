"""Admission words a warning once per object and namespace verdict, and never reuses it
for another verdict, namespace or configuration."""

from typing import Any

import pytest

from tests.builders import NOW
from tests.reviews import STARTER_LABELS, STARTER_NS, deployment_update
from tiergate.admission import Admission, Pending
from tiergate.config import MOSQUITTO_EXPORTER_RULE, TiergateConfig, default_config
from webhook.review import AdmissionRequest

OWN = "tiergate-system"
NO_MONITORING = {**STARTER_LABELS, "monitoring.dedicated": "false"}


def _update(namespace: str = STARTER_NS) -> dict[str, Any]:
    """An exporter Deployment updated without a scale-up: allowed with a warning."""
    return deployment_update(old_exporter=True, new_exporter=True, namespace=namespace)


def _warning(admission: Admission, raw: dict[str, Any], *, labels: dict[str, str]) -> str:
    response = admission.review(
        AdmissionRequest.model_validate(raw).review_request(), labels=labels, now=NOW
    )
    (warning,) = response.warnings
    return warning


def test_the_same_update_twice_gets_the_message_worded_the_first_time() -> None:
    admission = Admission(default_config(), own_namespace=OWN)
    pending = admission.screen(AdmissionRequest.model_validate(_update()).review_request())
    assert isinstance(pending, Pending)
    (decision,) = admission._decider.decide(pending.new, namespace_labels=STARTER_LABELS, now=NOW)
    where = {"kind": "Deployment", "name": pending.new.name, "namespace": STARTER_NS}
    first = admission._message(decision, **where)
    assert admission._message(decision, **where) is first
    assert first == decision.message(**where)


@pytest.mark.parametrize(
    ("namespace", "labels", "says"),
    [
        pytest.param(
            STARTER_NS,
            NO_MONITORING,
            "monitoring.dedicated=true (it has monitoring.dedicated=false)",
            id="a relabelled namespace gets its new reason",
        ),
        pytest.param(
            "customer-s2",
            STARTER_LABELS,
            "may not run in namespace customer-s2",
            id="another namespace is named",
        ),
    ],
)
def test_a_remembered_message_is_not_given_for_another_verdict_or_namespace(
    namespace: str, labels: dict[str, str], says: str
) -> None:
    admission = Admission(default_config(), own_namespace=OWN)
    remembered = _warning(admission, _update(), labels=STARTER_LABELS)
    warning = _warning(admission, _update(namespace), labels=labels)
    assert says in warning
    assert says not in remembered


def test_each_configuration_words_its_own_fix() -> None:
    hint = "remove the exporter from the release values"
    rule = MOSQUITTO_EXPORTER_RULE.model_copy(update={"fix_hint": hint})
    default = Admission(default_config(), own_namespace=OWN)
    other = Admission(TiergateConfig(rules=(rule,)), own_namespace=OWN)
    assert hint not in _warning(default, _update(), labels=STARTER_LABELS)
    assert hint in _warning(other, _update(), labels=STARTER_LABELS)
