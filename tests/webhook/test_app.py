"""The review application over HTTP (pytest-aiohttp): verdicts, bad bodies, errors, metrics."""

import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.reviews import controller_pod, deployment_create, deployment_update, envelope, scale
from tests.webhook.apps import wired
from webhook.metrics import ERRORS, NAMESPACE_LOOKUPS, REQUESTS
from webhook.namespaces import Lookup

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


async def _post(client: Client, body: bytes | dict[str, Any], **headers: str) -> tuple[int, Any]:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    response = await client.post(
        "/validate?timeout=10s",
        data=data,
        headers={"Content-Type": "application/json", **headers},
    )
    text = await response.text()
    return response.status, json.loads(text) if response.status == 200 else text


async def test_an_exporter_create_is_denied_with_the_uid_echoed(
    aiohttp_client: MakeClient,
) -> None:
    server = wired()
    client = await aiohttp_client(server.app)
    request = deployment_create()
    status, body = await _post(client, envelope(request))
    assert status == 200
    assert body["apiVersion"] == "admission.k8s.io/v1"
    assert body["kind"] == "AdmissionReview"
    answer = body["response"]
    assert answer["uid"] == request["uid"]
    assert answer["allowed"] is False
    assert answer["status"]["code"] == 403
    assert answer["status"]["message"].startswith("mosquitto-exporter: Deployment nginx may not")
    labels = {
        "operation": "CREATE",
        "kind": "Deployment",
        "rule": "mosquitto-exporter",
        "decision": "denied",
        "enforcement": "deny",
        "dry_run": "false",
    }
    assert server.sample(REQUESTS, **labels) == 1
    assert server.sample(NAMESPACE_LOOKUPS, result="cached") == 1


async def test_a_controller_pod_is_allowed_without_a_lookup(aiohttp_client: MakeClient) -> None:
    server = wired()
    client = await aiohttp_client(server.app)
    status, body = await _post(client, envelope(controller_pod()))
    assert (status, body["response"]["allowed"]) == (200, True)
    assert "status" not in body["response"]
    assert server.sample(NAMESPACE_LOOKUPS, result="cached") == 0


async def test_an_existing_violator_is_allowed_with_a_warning(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(wired().app)
    request = deployment_update(old_exporter=True, new_exporter=True)
    status, body = await _post(client, envelope(request))
    assert status == 200
    assert body["response"]["allowed"] is True
    (warning,) = body["response"]["warnings"]
    assert "does not make it worse" in warning


async def test_a_denial_is_one_json_log_line_without_the_object(
    aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(wired().app)
    caplog.set_level(logging.INFO, logger="tiergate.webhook")
    request = scale(old=0, new=3)
    await _post(client, envelope(request))
    (record,) = [r for r in caplog.records if r.name == "tiergate.webhook"]
    review = vars(record)["review"]
    assert review["uid"] == request["uid"]
    assert (review["kind"], review["name"], review["user"]) == (
        "Scale",
        "s1-mosquitto-exporter",
        "admin",
    )
    assert "object" not in vars(record)


def _broken_bodies() -> list[tuple[str, bytes]]:
    good = envelope(deployment_create())
    text = json.dumps(good).encode()
    bodies: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("an open brace", b"{"),
        ("null", b"null"),
        ("a list", b"[]"),
        ("a number", b"42"),
        ("a string", b'"review"'),
        ("not UTF-8", b"\xff\xfe\x00{"),
        ("Python repr", b"{'apiVersion': 'admission.k8s.io/v1'}"),
        ("NaN", b'{"apiVersion": NaN}'),
        ("trailing garbage", text + b"}"),
    ]
    bodies += [(f"cut at byte {n}", text[:n]) for n in range(1, len(text), len(text) // 12)]
    rng = random.Random(7)  # noqa: S311 - reproducible noise, not a secret
    bodies += [(f"random bytes {i}", rng.randbytes(rng.randint(1, 400))) for i in range(8)]

    def changed(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        review = json.loads(text)
        change(review)
        bodies.append((name, json.dumps(review).encode()))

    def drop(*path: str) -> Callable[[dict[str, Any]], None]:
        def apply(review: dict[str, Any]) -> None:
            node = review
            for key in path[:-1]:
                node = node[key]
            del node[path[-1]]

        return apply

    def put(value: Any, *path: str) -> Callable[[dict[str, Any]], None]:
        def apply(review: dict[str, Any]) -> None:
            node = review
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value

        return apply

    deployment = ("request", "object")
    template = (*deployment, "spec", "template", "spec")
    for name, change in [
        ("v1beta1", put("admission.k8s.io/v1beta1", "apiVersion")),
        ("no apiVersion", drop("apiVersion")),
        ("apiVersion a number", put(1, "apiVersion")),
        ("wrong kind", put("AdmissionResponse", "kind")),
        ("no kind", drop("kind")),
        ("no request", drop("request")),
        ("request null", put(None, "request")),
        ("request a list", put([], "request")),
        ("no uid", drop("request", "uid")),
        ("empty uid", put("", "request", "uid")),
        ("uid a number", put(5, "request", "uid")),
        ("operation PATCH", put("PATCH", "request", "operation")),
        ("no operation", drop("request", "operation")),
        ("no kind in the request", drop("request", "kind")),
        ("object a list", put([], *deployment)),
        ("object a string", put("x", *deployment)),
        ("oldObject a number", put(3, "request", "oldObject")),
        ("dryRun maybe", put("maybe", "request", "dryRun")),
        ("userInfo a string", put("alice", "request", "userInfo")),
        ("replicas negative", put(-1, *deployment, "spec", "replicas")),
        ("replicas a word", put("many", *deployment, "spec", "replicas")),
        ("metadata a list", put([], *deployment, "metadata")),
        ("a name in capitals", put("NGINX", *deployment, "metadata", "name")),
        ("a bad label key", put({"-x": "y"}, *deployment, "metadata", "labels")),
        ("no pod template", drop(*deployment, "spec", "template")),
        ("containers a map", put({"a": 1}, *template, "containers")),
        ("kind a number", put(7, *deployment, "kind")),
    ]:
        changed(name, change)
    return bodies


BROKEN = _broken_bodies()


async def test_every_broken_body_is_a_400_with_a_reason_never_a_500(
    aiohttp_client: MakeClient,
) -> None:
    assert len(BROKEN) >= 50
    server = wired()
    client = await aiohttp_client(server.app)
    for name, body in BROKEN:
        status, text = await _post(client, body)
        assert status == 400, (name, status, text)
        assert text.startswith("bad admission review: "), name
    counted = sum(
        server.sample(ERRORS, reason=r)
        for r in ("not_json", "invalid_review", "invalid_object", "too_large", "content_type")
    )
    assert counted == len(BROKEN)
    status, body = await _post(client, envelope(deployment_create()))
    assert status == 200, "the server still answers after them"


async def test_a_body_over_the_cap_is_refused(aiohttp_client: MakeClient) -> None:
    server = wired(max_body_bytes=64 * 1024)
    client = await aiohttp_client(server.app)
    request = deployment_create()
    request["object"]["metadata"]["annotations"] = {"big": "x" * 70_000}
    status, text = await _post(client, envelope(request))
    assert (status, text) == (400, "bad admission review: the body is larger than 65536 bytes\n")
    assert server.sample(ERRORS, reason="too_large") == 1


async def test_a_chunked_body_over_the_cap_is_refused(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(wired(max_body_bytes=1024).app)

    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 512

    response = await client.post(
        "/validate", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "larger than 1024 bytes" in await response.text()


async def test_a_wrong_content_type_is_refused(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(wired().app)
    body = json.dumps(envelope(deployment_create())).encode()
    status, text = await _post(client, body, **{"Content-Type": "text/plain"})
    assert (status, text) == (
        400,
        "bad admission review: the content type must be application/json\n",
    )


class _BrokenNamespaces:
    async def lookup(self, name: str) -> Lookup:
        raise RuntimeError(f"a bug looking up {name}")

    def synced(self) -> bool:
        return True


async def test_an_unexpected_error_is_a_500_logged_with_the_uid(
    aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    server = wired(namespaces=_BrokenNamespaces())
    client = await aiohttp_client(server.app)
    request = deployment_create()
    status, _ = await _post(client, envelope(request))
    assert status == 500
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert vars(record)["uid"] == request["uid"]
    assert server.sample(ERRORS, reason="internal") == 1


async def test_health_and_readiness(aiohttp_client: MakeClient) -> None:
    server = wired()
    client = await aiohttp_client(server.app)
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 200
    server.readiness.draining = True
    response = await client.get("/readyz")
    assert (response.status, await response.text()) == (503, "not ready: shutting down\n")
