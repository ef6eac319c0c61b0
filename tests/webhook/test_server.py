"""The real server over real TLS, as kube-apiserver calls it: CA verified, SNI `<svc>.<ns>.svc`."""

import asyncio
import json
import socket
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.reviews import deployment_create, envelope
from tests.webhook.apps import NAMESPACES
from tests.webhook.certs import SERVICE_NAME, Pair, make_ca, make_serving, mount
from tiergate.config import default_config
from webhook.certificates import not_after
from webhook.metrics import CERTIFICATE_EXPIRY
from webhook.namespaces import FixedNamespaces
from webhook.server import WebhookServer
from webhook.settings import Settings


def _settings(pair: Pair, **changes: Any) -> Settings:
    return Settings(
        config=default_config(),
        config_file=None,
        tls_cert=pair.cert,
        tls_key=pair.key,
        host="127.0.0.1",
        port=0,
        metrics_port=0,
        **changes,
    )


def client_context(ca: Path) -> ssl.SSLContext:
    """What kube-apiserver does: verify against the caBundle, HTTP/1.1 only."""
    context = ssl.create_default_context(cafile=str(ca))
    context.set_alpn_protocols(["http/1.1"])
    return context


@pytest.fixture
def ca(tmp_path: Path) -> Pair:
    return make_ca(tmp_path / "ca")


@pytest.fixture
async def server(tmp_path: Path, ca: Pair) -> AsyncIterator[WebhookServer]:
    pair = mount(tmp_path / "secret", make_serving(tmp_path / "g1", ca=ca), generation="1")
    running = WebhookServer(
        _settings(pair, certificate_poll=0.05), namespaces=FixedNamespaces(NAMESPACES)
    )
    await running.start()
    yield running
    await running.stop(delay=0)


async def _review(
    session: aiohttp.ClientSession, port: int, *, context: ssl.SSLContext
) -> dict[str, Any]:
    async with session.post(
        f"https://127.0.0.1:{port}/validate?timeout=10s",
        data=json.dumps(envelope(deployment_create())),
        headers={"Content-Type": "application/json"},
        ssl=context,
        server_hostname=SERVICE_NAME,
    ) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def test_a_review_over_verified_tls_with_the_service_name_is_answered(
    server: WebhookServer, ca: Pair
) -> None:
    async with aiohttp.ClientSession() as session:
        body = await _review(session, server.ports[0], context=client_context(ca.cert))
    assert body["response"]["allowed"] is False


async def test_the_metrics_port_is_plain_http(server: WebhookServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{server.ports[1]}/metrics") as response:
            text = await response.text()
        async with session.get(f"http://127.0.0.1:{server.ports[1]}/readyz") as ready:
            assert ready.status == 200
    assert CERTIFICATE_EXPIRY in text


def _handshake(port: int, *, context: ssl.SSLContext) -> str | None:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=SERVICE_NAME) as wrapped,
    ):
        return wrapped.version()


async def test_a_tls_1_1_client_is_refused_and_tls_1_2_is_accepted(
    server: WebhookServer, ca: Pair
) -> None:
    old = client_context(ca.cert)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # offering TLS 1.1 is the point
        old.minimum_version = ssl.TLSVersion.TLSv1_1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.raises(ssl.SSLError):  # the server ends the handshake
        await asyncio.to_thread(_handshake, server.ports[0], context=old)
    exact = client_context(ca.cert)
    exact.maximum_version = ssl.TLSVersion.TLSv1_2
    assert await asyncio.to_thread(_handshake, server.ports[0], context=exact) == "TLSv1.2"


async def test_a_client_that_does_not_trust_the_ca_is_refused(
    server: WebhookServer, tmp_path: Path
) -> None:
    other = make_ca(tmp_path / "other-ca")
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.to_thread(_handshake, server.ports[0], context=client_context(other.cert))


async def test_a_rotated_certificate_is_served_with_no_failed_request(
    server: WebhookServer, ca: Pair, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    rotated = make_serving(tmp_path / "g2", ca=ca, days=30)
    context = client_context(ca.cert)
    failures: list[BaseException] = []
    answered = 0
    stop = asyncio.Event()

    async def load(*, keep_alive: bool) -> None:
        nonlocal answered
        connector = aiohttp.TCPConnector(force_close=not keep_alive)
        async with aiohttp.ClientSession(connector=connector) as session:
            while not stop.is_set():
                try:
                    await _review(session, server.ports[0], context=context)
                    answered += 1
                except Exception as error:  # noqa: BLE001 - every failure is the finding
                    failures.append(error)

    workers = [asyncio.create_task(load(keep_alive=i % 2 == 0)) for i in range(6)]
    await asyncio.sleep(0.3)
    before = server.registry.get_sample_value(CERTIFICATE_EXPIRY)
    mount(secret, rotated, generation="2")
    expected = not_after(rotated.cert.read_text()).timestamp()
    for _ in range(100):
        await asyncio.sleep(0.05)
        if server.registry.get_sample_value(CERTIFICATE_EXPIRY) == expected:
            break
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.gather(*workers)
    assert failures == []
    assert answered > 20
    assert before != expected
    assert server.registry.get_sample_value(CERTIFICATE_EXPIRY) == expected
    served = await asyncio.to_thread(_peer_certificate, server.ports[0], context=context)
    assert served == ssl.PEM_cert_to_DER_cert(rotated.cert.read_text())


def _peer_certificate(port: int, *, context: ssl.SSLContext) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=SERVICE_NAME) as wrapped,
    ):
        der = wrapped.getpeercert(binary_form=True)
    assert der is not None
    return der


async def test_a_half_written_pair_keeps_the_old_certificate(
    server: WebhookServer, ca: Pair, tmp_path: Path
) -> None:
    (tmp_path / "secret" / "..1" / "tls.key").write_text("not a key", encoding="utf-8")
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as session:
        await _review(session, server.ports[0], context=client_context(ca.cert))
    assert server.registry.get_sample_value(
        "tiergate_webhook_certificate_reloads_total", {"result": "error"}
    )


async def test_draining_is_unready_at_once_and_keeps_serving_for_the_delay(
    tmp_path: Path, ca: Pair
) -> None:
    pair = make_serving(tmp_path / "g1", ca=ca)
    running = WebhookServer(_settings(pair), namespaces=FixedNamespaces(NAMESPACES))
    await running.start()
    review_port, metrics_port = running.ports
    stopping = asyncio.create_task(running.stop(delay=0.5))
    await asyncio.sleep(0.05)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{metrics_port}/readyz") as ready:
            assert ready.status == 503
        body = await _review(session, review_port, context=client_context(ca.cert))
        assert body["response"]["allowed"] is False
    await stopping
    with pytest.raises(ConnectionRefusedError):
        await asyncio.to_thread(_handshake, review_port, context=client_context(ca.cert))
