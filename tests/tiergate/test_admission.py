"""Admission decisions on recorded reviews and exporter variants of them, without HTTP."""

import copy
from typing import Any

import pytest

from tests.builders import EXPORTER_IMAGE, NOW, container, counting_config, namespace
from tests.reviews import (
    ENTERPRISE_LABELS,
    STARTER_LABELS,
    STARTER_NS,
    controller_pod,
    deployment_create,
    deployment_update,
    exporter_service,
    recorded,
    scale,
)
from tiergate.admission import Admission, Pending, Response, Result, ReviewRequest
from tiergate.config import (
    MOSQUITTO_EXPORTER_RULE,
    SYSTEM_NAMESPACES,
    Enforcement,
    TiergateConfig,
    default_config,
)
from tiergate.text import WARNINGS_BUDGET
from webhook.review import AdmissionRequest

OWN = "tiergate-system"


def _config(enforcement: Enforcement) -> TiergateConfig:
    return TiergateConfig(
        rules=(MOSQUITTO_EXPORTER_RULE.model_copy(update={"enforcement": enforcement}),)
    )


def _request(raw: dict[str, Any]) -> ReviewRequest:
    return AdmissionRequest.model_validate(raw).review_request()


def _review(
    raw: dict[str, Any],
    *,
    labels: dict[str, str] | None = STARTER_LABELS,
    config: TiergateConfig | None = None,
    deny_unknown: bool = True,
) -> Response:
    admission = Admission(config or default_config(), own_namespace=OWN, deny_unknown=deny_unknown)
    return admission.review(_request(raw), labels=labels, now=NOW)


def _cron_job_update(*, old_suspended: bool, new_suspended: bool) -> dict[str, Any]:
    def cron_job(suspend: bool) -> dict[str, Any]:
        return {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "probe", "namespace": STARTER_NS, "uid": "u-cj"},
            "spec": {
                "schedule": "*/5 * * * *",
                "suspend": suspend,
                "jobTemplate": {
                    "spec": {"template": {"spec": {"containers": [container("e", EXPORTER_IMAGE)]}}}
                },
            },
        }

    request = copy.deepcopy(recorded("deployment-update.request.json"))
    request.update(
        kind={"group": "batch", "version": "v1", "kind": "CronJob"},
        resource={"group": "batch", "version": "v1", "resource": "cronjobs"},
        name="probe",
        namespace=STARTER_NS,
        object=cron_job(new_suspended),
        oldObject=cron_job(old_suspended),
    )
    return request


def _being_deleted() -> dict[str, Any]:
    request = deployment_update(old_exporter=True, new_exporter=True, new_replicas=5)
    for key in ("object", "oldObject"):
        request[key]["metadata"]["deletionTimestamp"] = "2026-11-26T12:00:00Z"
    return request


DENIED, WARNED, ALLOWED = Result.DENIED, Result.WARNED, Result.ALLOWED
CASES = [
    ("creating the exporter in a Starter namespace is denied", deployment_create(), DENIED),
    (
        "creating nginx from the recorded review is allowed",
        deployment_create(exporter=False),
        ALLOWED,
    ),
    (
        "an update that turns nginx into the exporter is denied",
        deployment_update(old_exporter=False, new_exporter=True),
        DENIED,
    ),
    (
        "an update that scales an existing exporter up is denied",
        deployment_update(old_exporter=True, new_exporter=True, old_replicas=1, new_replicas=3),
        DENIED,
    ),
    (
        "an update that wakes a scaled-to-zero exporter is denied",
        deployment_update(old_exporter=True, new_exporter=True, old_replicas=0, new_replicas=1),
        DENIED,
    ),
    (
        "an update that keeps an existing exporter's size is allowed with a warning",
        deployment_update(old_exporter=True, new_exporter=True),
        WARNED,
    ),
    (
        "an update that scales an existing exporter down is allowed with a warning",
        deployment_update(old_exporter=True, new_exporter=True, old_replicas=3, new_replicas=1),
        WARNED,
    ),
    (
        "an update that removes the exporter is allowed",
        deployment_update(old_exporter=True, new_exporter=False),
        ALLOWED,
    ),
    ("an update of an object being deleted is allowed", _being_deleted(), ALLOWED),
    (
        "unsuspending an exporter CronJob is denied",
        _cron_job_update(old_suspended=True, new_suspended=False),
        DENIED,
    ),
    (
        "suspending an exporter CronJob is allowed with a warning",
        _cron_job_update(old_suspended=False, new_suspended=True),
        WARNED,
    ),
    ("a delete is allowed", recorded("deployment-delete.request.json"), ALLOWED),
    (
        "a Pod created by the ReplicaSet controller is not judged again",
        controller_pod(),
        ALLOWED,
    ),
    (
        "a Pod created by kube-controller-manager itself is not judged again",
        controller_pod(username="system:kube-controller-manager"),
        ALLOWED,
    ),
    (
        "a Pod with a forged owner reference from a tenant is judged like a bare Pod",
        controller_pod(username="alice"),
        DENIED,
    ),
    (
        "a Pod from another kube-system account is judged like a bare Pod",
        controller_pod(username="system:serviceaccount:kube-system:horizontal-pod-autoscaler"),
        DENIED,
    ),
    ("a Service named like the exporter is denied as a satellite", exporter_service(), DENIED),
    (
        "the recorded LoadBalancer Service is allowed",
        recorded("service-create.request.json"),
        ALLOWED,
    ),
    (
        "a PrometheusRule is not a candidate",
        recorded("crd-prometheusrule-create.json"),
        ALLOWED,
    ),
    ("scaling an exporter up through */scale is denied", scale(old=0, new=2), DENIED),
    ("scaling an exporter down through */scale warns", scale(old=2, new=1), WARNED),
    ("scaling nginx up through */scale is allowed", scale(old=1, new=9, name="nginx"), ALLOWED),
    (
        "the docs' scale example (stub objects) is allowed",
        recorded("deployment-scale-update.docs-example.json"),
        ALLOWED,
    ),
]


@pytest.mark.parametrize(("raw", "expected"), [pytest.param(r, e, id=i) for i, r, e in CASES])
def test_admission_follows_the_decision_table(raw: dict[str, Any], expected: Result) -> None:
    response = _review(raw)
    assert response.result == expected, response
    assert response.allowed == (expected != DENIED)
    assert response.code == (403 if expected == DENIED else 200)


@pytest.mark.parametrize(("raw", "expected"), [pytest.param(r, e, id=i) for i, r, e in CASES])
def test_a_namespace_with_dedicated_monitoring_allows_every_case(
    raw: dict[str, Any], expected: Result
) -> None:
    del expected
    assert _review(raw, labels=ENTERPRISE_LABELS).result == ALLOWED


def test_a_denial_names_the_rule_the_namespace_the_missing_label_and_both_fixes() -> None:
    response = _review(deployment_create())
    assert response.message == (
        "mosquitto-exporter: Deployment nginx may not run in namespace customer-s1: namespace "
        "does not meet monitoring.dedicated=true (label absent), which mosquitto-exporter "
        f"requires (matched by image {EXPORTER_IMAGE}). To fix: "
        f"{MOSQUITTO_EXPORTER_RULE.fix_hint}; or, if namespace customer-s1 should have "
        "mosquitto-exporter, give it monitoring.dedicated=true"
    )


def test_a_scale_up_denial_says_how_many_pods_it_asked_for() -> None:
    assert "raises its desired pods from 0 to 2" in _review(scale(old=0, new=2)).message


def test_non_candidates_are_answered_without_a_namespace_lookup() -> None:
    admission = Admission(default_config(), own_namespace=OWN)
    for raw in (deployment_create(exporter=False), recorded("crd-prometheusrule-create.json")):
        assert isinstance(admission.screen(_request(raw)), Response)
    assert isinstance(admission.screen(_request(deployment_create())), Pending)


@pytest.mark.parametrize(
    ("enforcement", "allowed", "warnings", "result"),
    [
        pytest.param(Enforcement.DENY, False, 0, DENIED, id="deny refuses"),
        pytest.param(Enforcement.WARN, True, 1, WARNED, id="warn admits with the same message"),
        pytest.param(Enforcement.DRYRUN, True, 0, DENIED, id="dryrun admits and only counts"),
    ],
)
def test_enforcement_decides_what_a_violation_does(
    enforcement: Enforcement, allowed: bool, warnings: int, result: Result
) -> None:
    response = _review(deployment_create(), config=_config(enforcement))
    assert (response.allowed, len(response.warnings)) == (allowed, warnings)
    assert [r.result for r in response.rules] == [result]
    assert response.rules[0].enforcement == enforcement
    if warnings:
        assert response.warnings[0] == _review(deployment_create()).message


def test_a_dry_run_request_is_judged_the_same_way() -> None:
    raw = deployment_create()
    raw["dryRun"] = True
    raw["options"]["dryRun"] = ["All"]
    assert _review(raw).result == DENIED
    assert _request(raw).dry_run


@pytest.mark.parametrize(
    ("deny_unknown", "allowed", "text"),
    [
        pytest.param(True, False, "try again shortly", id="denied by default"),
        pytest.param(False, True, "admitted unchecked", id="allowed when configured"),
    ],
)
def test_a_component_in_a_namespace_of_unknown_labels(
    deny_unknown: bool, allowed: bool, text: str
) -> None:
    response = _review(deployment_create(), labels=None, deny_unknown=deny_unknown)
    assert response.allowed == allowed
    said = response.message or response.warnings[0]
    assert "the labels of namespace customer-s1 are unknown" in said
    assert text in said


def test_an_update_that_does_not_make_things_worse_needs_no_labels() -> None:
    raw = deployment_update(old_exporter=True, new_exporter=True)
    assert _review(raw, labels=None).result == ALLOWED


def test_exempt_namespaces_are_not_judged() -> None:
    assert _review(deployment_create(namespace="kube-system"), labels={}).allowed
    assert _review(deployment_create(namespace=OWN), labels={}).allowed


def _relabel(old: dict[str, str], new: dict[str, str]) -> dict[str, Any]:
    request = copy.deepcopy(recorded("service-create.request.json"))
    request.update(
        kind={"group": "", "version": "v1", "kind": "Namespace"},
        resource={"group": "", "version": "v1", "resource": "namespaces"},
        name="customer-e1",
        namespace="customer-e1",
        operation="UPDATE",
        object=namespace("customer-e1", **new),
        oldObject=namespace("customer-e1", **old),
    )
    return request


def test_a_namespace_that_loses_its_allowing_label_is_allowed_with_a_warning() -> None:
    response = _review(_relabel({"monitoring.dedicated": "true"}, {"tier": "starter"}))
    assert response.allowed
    (warning,) = response.warnings
    assert warning.startswith("mosquitto-exporter: namespace customer-e1: namespace does not meet")
    assert "component already there is now drift" in warning


def test_a_namespace_relabel_that_keeps_the_label_says_nothing() -> None:
    response = _review(
        _relabel({"monitoring.dedicated": "true"}, {"monitoring.dedicated": "true", "a": "b"})
    )
    assert (response.allowed, response.warnings) == (True, ())


def test_a_status_update_is_never_denied() -> None:
    raw = deployment_update(old_exporter=False, new_exporter=True, new_replicas=9)
    raw["subResource"] = "status"
    assert _review(raw).result == ALLOWED


def test_warnings_stay_printable_and_within_the_api_budget() -> None:
    raw = deployment_update(old_exporter=True, new_exporter=True)
    long_name = "a" * 200 + "-mosquitto-exporter"
    for key in ("object", "oldObject"):
        raw[key]["metadata"]["name"] = long_name
    hint = "line one\nline two\x1b[2J " + "x" * 5000
    rule = MOSQUITTO_EXPORTER_RULE.model_copy(update={"fix_hint": hint})
    response = _review(raw, config=TiergateConfig(rules=(rule,)))
    (warning,) = response.warnings
    assert len(warning) <= WARNINGS_BUDGET
    assert warning.isprintable()
    assert "\\x0a" in warning


def test_an_exporter_added_by_a_workload_that_is_no_candidate_before_is_judged() -> None:
    raw = deployment_update(old_exporter=False, new_exporter=False)
    raw["object"]["metadata"]["labels"] = {"app.kubernetes.io/component": "mosquitto-exporter"}
    assert _review(raw).result == DENIED


def test_admission_prepares_its_configuration_once_for_every_review() -> None:
    calls: list[str] = []
    admission = Admission(counting_config(calls), own_namespace=OWN)
    reviews = [
        (deployment_create(), STARTER_LABELS, DENIED),
        (deployment_create(namespace="kube-system"), {}, ALLOWED),
        (_relabel({"monitoring.dedicated": "true"}, {"tier": "starter"}), None, WARNED),
    ]
    for raw, labels, expected in reviews:
        assert admission.review(_request(raw), labels=labels, now=NOW).result == expected
    assert calls == [OWN]


def test_admissions_of_different_configurations_each_judge_by_their_own() -> None:
    calls: list[str] = []
    exempting = counting_config(calls, exemptNamespaces=(*SYSTEM_NAMESPACES, STARTER_NS))
    request = _request(deployment_create())
    strict = Admission(counting_config(calls), own_namespace=OWN)
    lenient = Admission(exempting, own_namespace=OWN)
    assert strict.review(request, labels=STARTER_LABELS, now=NOW).result == DENIED
    assert lenient.review(request, labels=STARTER_LABELS, now=NOW).result == ALLOWED
    assert calls == [OWN, OWN]
