"""Validating admission in the fake API server, end to end: kubectl, the fake, a TLS webhook."""

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.builders import EXPORTER_IMAGE, container, deployment, namespace
from tests.fakeapi import FakeApiServer
from tests.fakeapi.app import warning_headers
from tests.fakeapi.fixtures import kubectl
from tests.fakeapi.http import call
from tests.fakeapi.stub_webhook import Answer, StubWebhook, respond
from tests.webhook.certs import make_ca

HOOK = "stub.tests.tiergate.io"
NS = "team-a"


@pytest.fixture
def stub(fake_api: FakeApiServer, tmp_path: Path) -> Iterator[StubWebhook]:
    fake_api.seed(namespace(NS, tier="starter"), namespace("kube-system"))
    with StubWebhook(tmp_path / "stub") as webhook:
        fake_api.route_service(namespace="tests", name="stub", to=webhook.port)
        yield webhook


def configure(fake_api: FakeApiServer, stub: StubWebhook, **hook: Any) -> None:
    """Store a one-hook configuration; `hook` overrides the defaults below."""
    entry: dict[str, Any] = {
        "name": HOOK,
        "admissionReviewVersions": ["v1"],
        "sideEffects": "None",
        "timeoutSeconds": 5,
        "clientConfig": {
            "service": {"namespace": "tests", "name": "stub", "path": "//validate/"},
            "caBundle": stub.ca_bundle,
        },
        "rules": [
            {
                "operations": ["CREATE", "UPDATE", "DELETE"],
                "apiGroups": ["apps"],
                "apiVersions": ["v1"],
                "resources": ["deployments", "deployments/scale"],
            }
        ],
    } | hook
    fake_api.seed(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "stub"},
            "webhooks": [entry],
        }
    )


def apply(fake_api: FakeApiServer, obj: dict[str, Any], *flags: str) -> Any:
    path = fake_api.directory / f"{obj['metadata']['name']}.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return kubectl(fake_api, "apply", "--validate=false", "-f", str(path), *flags)


def exporter(name: str = "mosquitto-exporter", ns: str = NS) -> dict[str, Any]:
    return deployment(name, ns, container("exporter", EXPORTER_IMAGE))


def deny(status: dict[str, Any], *, warnings: tuple[str, ...] = ()) -> Any:
    def answer(review: dict[str, Any]) -> Answer:
        return respond(review, allowed=False, status=status, warnings=warnings)

    return answer


def test_a_denial_reaches_kubectl_worded_as_the_apiserver_words_it(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    configure(fake_api, stub)
    stub.answer = deny({"code": 403, "reason": "Forbidden", "message": "no exporters here"})
    result = apply(fake_api, exporter())
    assert result.returncode == 1
    assert f'admission webhook "{HOOK}" denied the request: no exporters here' in result.stderr
    assert "Error from server (Forbidden)" in result.stderr
    assert fake_api.store.list(_deployments(fake_api), namespace=NS).items == []


@pytest.mark.parametrize(
    ("status", "code", "wording"),
    [
        ({"code": 422, "message": "bad"}, 422, "denied the request: bad"),
        ({"code": 200, "reason": "NoReason"}, 400, "denied the request: NoReason"),
        (None, 400, "denied the request without explanation"),
    ],
)
def test_a_denial_keeps_the_webhooks_code_but_never_below_400(
    fake_api: FakeApiServer, stub: StubWebhook, status: Any, code: int, wording: str
) -> None:
    configure(fake_api, stub)
    stub.answer = deny(status)
    answer = _raw_create(fake_api, exporter())
    assert answer["code"] == code
    assert answer["message"] == f'admission webhook "{HOOK}" {wording}'


def test_kubectl_prints_the_webhooks_warnings_on_success_and_on_denial(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    configure(fake_api, stub)
    stub.answer = lambda review: respond(review, allowed=True, warnings=("mind the tier", "bad\n"))
    created = apply(fake_api, exporter())
    assert created.returncode == 0, created.stderr
    assert "Warning: mind the tier" in created.stderr
    assert "bad" not in created.stderr, "a warning with a control character is dropped"
    stub.answer = deny({"code": 403, "message": "no"}, warnings=("still a warning",))
    refused = apply(fake_api, exporter("other-exporter"))
    assert refused.returncode == 1
    assert "Warning: still a warning" in refused.stderr


def test_the_review_of_a_create_carries_what_the_apiserver_sends(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    configure(fake_api, stub)
    assert apply(fake_api, exporter()).returncode == 0
    (received,) = stub.received
    assert received.path == "/validate", "the path is joined and cleaned as client-go does"
    assert received.query == {"timeout": "5s"}
    assert received.server_name == "stub.tests.svc"
    assert received.headers["Host"] == "stub.tests.svc:443"
    assert received.headers["User-Agent"] == "kube-apiserver-admission"
    review = received.review
    assert (review["apiVersion"], review["kind"]) == ("admission.k8s.io/v1", "AdmissionReview")
    request = review["request"]
    assert request["kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert request["resource"] == {"group": "apps", "version": "v1", "resource": "deployments"}
    assert request["requestResource"] == request["resource"]
    assert "subResource" not in request
    assert (request["operation"], request["name"], request["namespace"]) == (
        "CREATE",
        "mosquitto-exporter",
        NS,
    )
    assert request["oldObject"] is None
    assert request["object"]["metadata"]["uid"], "the validating stage sees the stored form"
    assert request["dryRun"] is False
    assert request["options"]["kind"] == "CreateOptions"
    assert request["userInfo"]["username"] == "tester"
    assert request["uid"] == fake_api.reviews[0].review["request"]["uid"]


def test_scale_is_reviewed_as_a_scale_subresource_update(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    fake_api.seed(exporter())
    configure(fake_api, stub)
    result = kubectl(fake_api, "scale", "-n", NS, "deployment/mosquitto-exporter", "--replicas=3")
    assert result.returncode == 0, result.stderr
    request = stub.received[-1].review["request"]
    assert request["kind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    assert (request["resource"]["resource"], request["subResource"]) == ("deployments", "scale")
    assert request["operation"] == "UPDATE"
    assert (request["oldObject"]["spec"]["replicas"], request["object"]["spec"]["replicas"]) == (
        1,
        3,
    )


def test_a_rule_for_deployments_alone_does_not_see_their_scale(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    fake_api.seed(exporter())
    rule = {"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}
    configure(fake_api, stub, rules=[rule])
    result = kubectl(fake_api, "scale", "-n", NS, "deployment/mosquitto-exporter", "--replicas=2")
    assert result.returncode == 0, result.stderr
    assert stub.received == []


def test_a_delete_sends_the_stored_object_as_old_and_no_object(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    fake_api.seed(exporter())
    configure(fake_api, stub)
    result = kubectl(fake_api, "delete", "-n", NS, "deployment/mosquitto-exporter")
    assert result.returncode == 0, result.stderr
    request = stub.received[-1].review["request"]
    assert (request["operation"], request["object"]) == ("DELETE", None)
    assert request["oldObject"]["metadata"]["name"] == "mosquitto-exporter"
    assert request["options"]["kind"] == "DeleteOptions"


@pytest.mark.parametrize("policy", ["Fail", "Ignore"])
def test_an_unreachable_webhook_follows_failure_policy(
    fake_api: FakeApiServer, stub: StubWebhook, policy: str
) -> None:
    configure(fake_api, stub, failurePolicy=policy)
    stub.stop()
    result = apply(fake_api, exporter())
    if policy == "Ignore":
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1
    assert (
        f'Internal error occurred: failed calling webhook "{HOOK}": failed to call webhook: '
        f'Post "https://stub.tests.svc:443/validate?timeout=5s": '
        f"dial tcp 127.0.0.1:{stub.port}: connect: connection refused"
    ) in result.stderr


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("unknown-ca", "tls: failed to verify certificate: x509: certificate signed by unknown"),
        ("slow", "context deadline exceeded"),
        ("wrong-uid", 'received invalid webhook response: expected response.uid="'),
        ("500", 'an error on the server ("boom") has prevented the request from succeeding'),
        ("unrouted", 'services "stub" not found'),
    ],
)
def test_call_failures_are_internal_errors_naming_the_cause(
    fake_api: FakeApiServer, stub: StubWebhook, tmp_path: Path, change: str, reason: str
) -> None:
    other = make_ca(tmp_path / "other").cert.read_bytes()
    bundle = base64.b64encode(other).decode() if change == "unknown-ca" else None
    configure(
        fake_api,
        stub,
        timeoutSeconds=1,
        clientConfig={
            "service": {"namespace": "tests", "name": "stub", "path": "/validate"},
            "caBundle": bundle or stub.ca_bundle,
        },
    )
    if change == "slow":
        stub.delay = 2.0
    elif change == "wrong-uid":
        stub.answer = lambda review: respond(review, allowed=True, uid="not-the-uid")
    elif change == "500":
        stub.answer = lambda _: (500, b"boom", "text/plain")
    elif change == "unrouted":
        fake_api.unroute_service(namespace="tests", name="stub")
    answer = _raw_create(fake_api, exporter())
    assert answer["code"] == 500
    assert answer["message"].startswith(f'Internal error occurred: failed calling webhook "{HOOK}"')
    assert reason in answer["message"]


def test_a_dry_run_is_sent_as_one_and_refused_by_hooks_with_side_effects(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    configure(fake_api, stub)
    assert apply(fake_api, exporter(), "--dry-run=server").returncode == 0
    assert stub.received[-1].review["request"]["dryRun"] is True
    configure(fake_api, stub, sideEffects="Some")
    result = apply(fake_api, exporter(), "--dry-run=server")
    assert result.returncode == 1
    assert f'admission webhook "{HOOK}" does not support dry run' in result.stderr
    assert len(stub.received) == 1


def test_kube_system_is_left_out_by_the_namespace_selector(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    selector = {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
        ]
    }
    configure(fake_api, stub, namespaceSelector=selector)
    assert apply(fake_api, exporter(ns="kube-system")).returncode == 0
    assert apply(fake_api, exporter()).returncode == 0
    assert [r.review["request"]["namespace"] for r in stub.received] == [NS]


def test_a_namespace_is_matched_on_its_own_labels(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    rule = {"operations": ["UPDATE"], "apiGroups": [""], "apiVersions": ["v1"]}
    configure(
        fake_api,
        stub,
        rules=[rule | {"resources": ["namespaces"]}],
        namespaceSelector={"matchLabels": {"tier": "starter"}},
    )
    assert kubectl(fake_api, "label", "ns", "kube-system", "x=1").returncode == 0
    assert kubectl(fake_api, "label", "ns", NS, "x=1").returncode == 0
    (received,) = stub.received
    request = received.review["request"]
    assert (request["name"], request["namespace"]) == (NS, NS)


@pytest.mark.parametrize(
    "case",
    [
        ("object.metadata.name.endsWith('exporter')", "Fail", True, 201),
        ("object.metadata.name.endsWith('broker')", "Fail", False, 201),
        ("object.metadata.nosuch == 'x'", "Fail", False, 403),
        ("object.metadata.nosuch == 'x'", "Ignore", False, 201),
    ],
)
def test_match_conditions_decide_whether_the_hook_is_called(
    fake_api: FakeApiServer, stub: StubWebhook, case: tuple[str, str, bool, int]
) -> None:
    condition, policy, sent, code = case
    configure(
        fake_api,
        stub,
        failurePolicy=policy,
        matchConditions=[{"name": "is-exporter", "expression": condition}],
    )
    answer = _raw_create(fake_api, exporter())
    assert bool(stub.received) is sent
    assert answer.get("code", 201) == code
    if code == 403:
        assert answer["message"] == (
            'deployments.apps "mosquitto-exporter" is forbidden: '
            f"expression '{condition}' resulted in error: no such key: nosuch"
        )


def test_an_object_selector_matches_the_old_or_the_new_labels(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    labelled = exporter()
    labelled["metadata"]["labels"] = {"watched": "yes"}
    fake_api.seed(labelled)
    configure(fake_api, stub, objectSelector={"matchLabels": {"watched": "yes"}})
    unwatch = ["label", "-n", NS, "deployment/mosquitto-exporter", "watched-"]
    assert kubectl(fake_api, *unwatch).returncode == 0
    assert (
        kubectl(fake_api, "annotate", "-n", NS, "deploy/mosquitto-exporter", "a=b").returncode == 0
    )
    assert len(stub.received) == 1, "the old object matched; then neither did"


def test_a_webhook_configuration_is_never_sent_to_webhooks(
    fake_api: FakeApiServer, stub: StubWebhook
) -> None:
    rule = {"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}
    configure(fake_api, stub, rules=[rule])
    result = kubectl(fake_api, "delete", "validatingwebhookconfiguration", "stub")
    assert result.returncode == 0, result.stderr
    assert stub.received == []


def _deployments(fake_api: FakeApiServer) -> Any:
    return fake_api.catalog.find("apps", version="v1", plural="deployments")


def _raw_create(fake_api: FakeApiServer, obj: dict[str, Any]) -> Any:
    """POST the object and answer the decoded body (a Status when refused)."""
    path = f"/apis/apps/v1/namespaces/{obj['metadata']['namespace']}/deployments"
    code, body = asyncio.run(call(fake_api, "POST", path, body=obj))
    if code == 201:
        return {"code": 201} | body
    return body


def _runes(header: str) -> int:
    return len(header.removeprefix('299 - "').removesuffix('"'))


# (warnings, headers written, runes in each): 4096 runes in all, then every warning is
# cut to 256 runes and the rest dropped once 4096 are used again (filters/warning.go).
WARNING_BUDGETS = [
    ([f"{i:02d}" + "w" * 298 for i in range(13)], 13, 300),
    ([f"{i:02d}" + "w" * 298 for i in range(20)], 16, 256),
    (["short", "x" * 5000], 2, None),
]


@pytest.mark.parametrize(("warnings", "count", "runes"), WARNING_BUDGETS)
def test_warnings_past_the_apiserver_budget_are_cut_then_dropped(
    warnings: list[str], count: int, runes: int | None
) -> None:
    headers = warning_headers(warnings)
    assert len(headers) == count
    if runes is not None:
        assert {_runes(h) for h in headers} == {runes}
    else:
        assert [_runes(h) for h in headers] == [5, 256]
