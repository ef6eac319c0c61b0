"""The rendered CEL, run by two CEL implementations, against the policy core.

A matchCondition of the webhook configuration may never filter out a review the core
judges (old object included); the admission policy may never deny what the core
allows; neither may error on any object shape; both implementations must agree.
"""

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import reviews
from tests.builders import NOW, namespace
from tests.cel_engines import agreed, text
from tiergate.admission import Admission, Pending
from tiergate.admission_config import webhook_configuration
from tiergate.admission_policy import validating_admission_policy
from tiergate.classification import classify
from tiergate.config import TiergateConfig, default_config, parse_config
from tiergate.kinds import JUDGED_KINDS, KindRole
from tiergate.reading import ObjectError, parse_object
from webhook.review import AdmissionRequest

OWN = "tiergate-system"
WIDE = parse_config(
    {
        "exemptNamespaces": ["kube-system"],
        "rules": [
            {
                "name": "mosquitto-exporter",
                "component": {
                    "images": ["*mosquitto-exporter*", "acme/mqtt-exp?rter"],
                    "names": ["*mosquitto-exporter", "mqtt-[a-c]*"],
                    "labels": {"app.kubernetes.io/component": "mosquitto-exporter"},
                },
                "allowedIn": {
                    "matchLabels": {"monitoring.dedicated": "true"},
                    "matchExpressions": [
                        {"key": "tier", "operator": "NotIn", "values": ["starter"]}
                    ],
                },
                "fixHint": "set mosquitto.metrics.enabled=false",
                "exemptions": [
                    {"namespace": "legacy-*", "names": ["old-*"], "reason": "migrating"},
                    {"namespace": "lab", "reason": "tests", "expires": "2020-01-01"},
                ],
            },
            {
                "name": "opencost",
                "component": {"images": ["opencost/opencost:*"], "labels": {"app": "opencost"}},
                "allowedIn": {"matchExpressions": [{"key": "finops", "operator": "Exists"}]},
                "enforcement": "warn",
                "fixHint": "disable opencost",
            },
        ],
    },
    source="test",
)
CONFIGS = {"default": default_config(), "wide": WIDE}
STARTER = reviews.STARTER_LABELS
ENTERPRISE = reviews.ENTERPRISE_LABELS
NAMESPACE_LABELS: tuple[dict[str, str], ...] = (
    STARTER,
    ENTERPRISE,
    {"finops": "on", "monitoring.dedicated": "true"},
    {},
)


def _conditions(config: TiergateConfig) -> tuple[str, str | None]:
    webhooks = webhook_configuration(config)["webhooks"]
    relabel = webhooks[1]["matchConditions"][0]["expression"] if len(webhooks) > 1 else None
    return webhooks[0]["matchConditions"][0]["expression"], relabel


def _recorded() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(reviews.FIXTURES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found.append((path.name, document.get("request", document)))
    assert found, f"no recorded reviews in {reviews.FIXTURES}"
    return found


def _variants() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("exporter Deployment created", reviews.deployment_create()),
        ("plain Deployment created", reviews.deployment_create(exporter=False)),
        (
            "exporter removed by an update",
            reviews.deployment_update(old_exporter=True, new_exporter=False),
        ),
        (
            "exporter added by an update",
            reviews.deployment_update(old_exporter=False, new_exporter=True),
        ),
        (
            "exporter scaled up",
            reviews.deployment_update(old_exporter=True, new_exporter=True, new_replicas=3),
        ),
        ("controller Pod", reviews.controller_pod()),
        ("forged controller Pod", reviews.controller_pod(username="alice")),
        ("exporter Service", reviews.exporter_service()),
        ("exporter scaled by name", reviews.scale(old=1, new=3)),
        ("other workload scaled", reviews.scale(old=1, new=3, name="api")),
        ("namespace loses its label", _relabel(ENTERPRISE, STARTER)),
        ("namespace gains its label", _relabel(STARTER, ENTERPRISE)),
        ("namespace keeps its labels", _relabel(STARTER, {**STARTER, "team": "x"})),
    ]


def _relabel(old: dict[str, str], new: dict[str, str]) -> dict[str, Any]:
    name = "customer-x"
    return {
        "uid": "u-ns",
        "kind": {"group": "", "version": "v1", "kind": "Namespace"},
        "resource": {"group": "", "version": "v1", "resource": "namespaces"},
        "name": name,
        "operation": "UPDATE",
        "userInfo": {"username": "admin"},
        "object": namespace(name, **new),
        "oldObject": namespace(name, **old),
    }


def _core_judges(config: TiergateConfig, request: dict[str, Any]) -> bool | None:
    """Does the core judge this review (the new or the old object, a scale, a relabel)?
    None when it refuses the review as malformed (the webhook answers 400)."""
    try:
        review = AdmissionRequest.model_validate(request).review_request()
        admission = Admission(config, own_namespace=OWN)
        screened = admission.screen(review)
        if isinstance(screened, Pending):
            return True
        if screened.warnings:
            return True
        old = parse_object(review.old_object) if review.old_object else None
    except (ObjectError, ValueError):
        return None
    return old is not None and any(classify(old, rule=r) for r in config.rules)


def _check_prefilter(config: TiergateConfig, request: dict[str, Any]) -> None:
    candidates, relabel = _conditions(config)
    activation = {
        "request": request,
        "object": request.get("object"),
        "oldObject": request.get("oldObject"),
    }
    is_namespace = request.get("kind", {}).get("kind") == "Namespace"
    expression = relabel if is_namespace else candidates
    passes = agreed(expression, activation=activation) if expression else False
    if _core_judges(config, request):
        assert passes, "the matchCondition filters out a review the core judges"


def _check_policy(
    config: TiergateConfig, request: dict[str, Any], *, labels: tuple[dict[str, str], ...]
) -> list[bool]:
    """Whether the policies deny the review in a namespace with each of `labels`
    (asserting that the core denies it too)."""
    if request.get("operation") != "CREATE" or request.get("subResource"):
        return [False for _ in labels]
    activation = {"request": request, "object": request.get("object")}
    policies = [validating_admission_policy(r, config=config)["spec"] for r in config.rules]
    # The matchConditions do not read the namespace: evaluated once for all labels.
    matched = [
        all(agreed(c["expression"], activation=activation) for c in spec["matchConditions"])
        for spec in policies
    ]
    outcomes = []
    for namespace_labels in labels:
        ns = namespace(request.get("namespace") or "customer-x", **namespace_labels)
        activation["namespaceObject"] = ns
        denied = False
        for spec, applies in zip(policies, matched, strict=True):
            for validation in spec["validations"]:
                ok = agreed(validation["expression"], activation=activation)
                first, second = text(validation["messageExpression"], activation=activation)
                assert first == second, "the two implementations word the message differently"
                assert isinstance(first, str)
                assert "\n" not in first
                denied |= applies and not ok
        if denied:
            _assert_core_denies(config, request, labels=namespace_labels)
        outcomes.append(denied)
    return outcomes


def _assert_core_denies(
    config: TiergateConfig, request: dict[str, Any], *, labels: dict[str, str]
) -> None:
    review = AdmissionRequest.model_validate(request).review_request()
    try:
        verdict = Admission(config, own_namespace=OWN).review(review, labels=labels, now=NOW)
    except ObjectError:
        return  # the API server refuses such an object before admission
    assert any(r.result != "allowed" for r in verdict.rules), (
        "the admission policy denies what the core allows"
    )


CASES = [*_recorded(), *_variants()]


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
@pytest.mark.parametrize(("case", "request_"), CASES, ids=[c for c, _ in CASES])
def test_the_generated_cel_agrees_with_the_core_on_every_recorded_review(
    case: str, request_: dict[str, Any], config_name: str
) -> None:
    del case
    config = CONFIGS[config_name]
    _check_prefilter(config, request_)
    _check_policy(config, request_, labels=NAMESPACE_LABELS)


def test_the_policy_denies_an_exporter_created_where_it_is_not_allowed() -> None:
    config = default_config()
    both = (STARTER, ENTERPRISE)
    assert _check_policy(config, reviews.deployment_create(), labels=both) == [True, False]
    assert _check_policy(config, reviews.deployment_create(exporter=False), labels=both) == [
        False,
        False,
    ]
    assert _check_policy(config, reviews.controller_pod(), labels=both) == [False, False]


def test_the_prefilter_lets_an_unrelated_deployment_pass_by() -> None:
    candidates, _ = _conditions(default_config())
    request = reviews.deployment_create(exporter=False)
    activation = {"request": request, "object": request["object"], "oldObject": None}
    assert agreed(candidates, activation=activation) is False


# Generated objects: names, labels, images and selectors near the rules' globs, and shapes
# the API server would refuse (the CEL must not error on them either).
# Text near the globs: what a glob must match whole, not just its example values.
_NEAR = "amoqstx-.:/@_e \n"
NAMES = st.one_of(
    st.sampled_from(
        [
            "s1-mosquitto-exporter",
            "mosquitto-exporter-1",
            "mqtt-a1",
            "mqtt-d",
            "old-x",
            "api",
            "opencost",
        ]
    ),
    st.text(st.sampled_from("amoqx-."), max_size=12).map(lambda s: s + "mosquitto-exporter"),
)
_TEXT_IMAGES = st.builds(
    lambda before, path, after: before + path + after,
    st.text(st.sampled_from(_NEAR), max_size=12),
    st.sampled_from(["mosquitto-exporter", "acme/mqtt-exporter", "opencost/opencost", "x"]),
    st.text(st.sampled_from(_NEAR), max_size=12),
)
_PARTS_IMAGES = st.builds(
    lambda registry, path, tag, digest: registry + path + tag + digest,
    st.sampled_from(
        [
            "",
            "docker.io/",
            "localhost:5000/",
            "localhost/",
            "ghcr.io/",
            "sapcc/",
            "mosquitto-exporter.io/",
        ]
    ),
    st.sampled_from(
        [
            "mosquitto-exporter",
            "sapcc/mosquitto-exporter",
            "tools",
            "acme/mqtt-exporter",
            "opencost/opencost",
            "x/mosquitto-exporter-debug",
        ]
    ),
    st.sampled_from(["", ":0.8", ":mosquitto-exporter-x", ":latest", ":"]),
    st.sampled_from(["", "@sha256:abc"]),
)
IMAGES = st.one_of(_PARTS_IMAGES, _TEXT_IMAGES)
LABEL_MAPS = st.dictionaries(
    st.sampled_from(["app.kubernetes.io/component", "app", "team"]),
    st.sampled_from(["mosquitto-exporter", "opencost", "x", ""]),
    max_size=3,
)
ODD = st.sampled_from([None, 1, "text", [1, "a"], {"x": 1}, True])
KINDS = [k for k in JUDGED_KINDS if k.role != KindRole.NAMESPACE]


@st.composite
def _objects(draw: st.DrawFn, kind_index: int) -> dict[str, Any]:
    entry = KINDS[kind_index]
    containers = [{"name": f"c{i}", "image": draw(IMAGES)} for i in range(draw(st.integers(0, 2)))]
    pod_spec: dict[str, Any] = {"containers": containers}
    if draw(st.booleans()):
        pod_spec["initContainers"] = [{"name": "init", "image": draw(IMAGES)}]
    metadata: dict[str, Any] = {
        "name": draw(NAMES),
        "namespace": "customer-x",
        "labels": draw(LABEL_MAPS),
    }
    spec: dict[str, Any]
    if entry.role == KindRole.SATELLITE and not entry.group:
        spec = {"selector": draw(LABEL_MAPS), "ports": [{"port": 9234}]}
    elif entry.role == KindRole.SATELLITE:
        requirements = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "key": st.sampled_from(["app.kubernetes.io/component", "app"]),
                        "operator": st.sampled_from(["In", "NotIn", "Exists"]),
                        "values": st.lists(
                            st.sampled_from(["mosquitto-exporter", "opencost", "x"]), max_size=2
                        ),
                    }
                ),
                max_size=3,
            )
        )
        spec = {"selector": {"matchLabels": draw(LABEL_MAPS), "matchExpressions": requirements}}
    elif entry.template_path == ():
        spec = pod_spec
    else:
        spec = {"replicas": draw(st.integers(0, 3)), "template": {"metadata": {}, "spec": pod_spec}}
        if entry.kind == "CronJob":
            spec = {
                "schedule": "* * * * *",
                "jobTemplate": {"spec": {"template": {"spec": pod_spec}}},
            }
    document = {
        "apiVersion": entry.api_version,
        "kind": entry.kind,
        "metadata": metadata,
        "spec": spec,
    }
    if draw(st.integers(0, 9)) == 0:  # a shape the API server would refuse
        target = draw(st.sampled_from(["metadata", "spec", "labels", "containers"]))
        odd: Any = draw(ODD)
        if target == "labels":
            metadata["labels"] = odd
        elif target == "containers":
            pod_spec["containers"] = [odd]
        else:
            document[target] = odd
    return document


@st.composite
def _reviews(draw: st.DrawFn) -> dict[str, Any]:
    kind_index = draw(st.integers(0, len(KINDS) - 1))
    entry = KINDS[kind_index]
    new = draw(_objects(kind_index))
    operation = draw(st.sampled_from(["CREATE", "UPDATE"]))
    old = draw(_objects(kind_index)) if operation == "UPDATE" else None
    return {
        "uid": "u-generated",
        "kind": {"group": entry.group, "version": entry.version, "kind": entry.kind},
        "resource": {"group": entry.group, "version": entry.version, "resource": entry.plural},
        "name": new["metadata"].get("name", "x") if isinstance(new.get("metadata"), dict) else "x",
        "namespace": "customer-x",
        "operation": operation,
        "userInfo": {
            "username": draw(st.sampled_from(["alice", "system:kube-controller-manager"]))
        },
        "object": new,
        "oldObject": old,
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(review=_reviews(), config_name=st.sampled_from(sorted(CONFIGS)))
def test_the_generated_cel_agrees_with_the_core_on_generated_objects(
    review: dict[str, Any], config_name: str
) -> None:
    config = CONFIGS[config_name]
    _check_prefilter(config, copy.deepcopy(review))
    _check_policy(config, copy.deepcopy(review), labels=NAMESPACE_LABELS)
