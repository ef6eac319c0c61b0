"""The real webhook server serves what `tiergate-certs` wrote, and a client with the caBundle
accepts it over verified TLS, under each of the Service's names and across a CA rollover."""

import itertools
from pathlib import Path
from typing import Any

import aiohttp

from certs.authority import service_names
from tests.certs.issued import Output, read_output, run_certs
from tests.reviews import deployment_create, envelope
from tests.webhook.apps import NAMESPACES
from tests.webhook.test_server import client_context
from tiergate.config import default_config
from webhook.namespaces import FixedNamespaces
from webhook.server import WebhookServer
from webhook.settings import Settings


async def _allowed_over_tls(
    served: Output, *, trusted: Output, directory: Path, server_name: str
) -> bool:
    """Serve `served`'s pair, review one Deployment as a client trusting `trusted`'s bundle."""
    cert, key, _ = served.write_pair(directory / "served")
    _, _, bundle = trusted.write_pair(directory / "trusted")
    settings = Settings(
        config=default_config(),
        config_file=None,
        tls_cert=cert,
        tls_key=key,
        host="127.0.0.1",
        port=0,
        metrics_port=0,
    )
    server = WebhookServer(settings, namespaces=FixedNamespaces(NAMESPACES))
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"https://127.0.0.1:{server.ports[0]}/validate",
                json=envelope(deployment_create()),
                ssl=client_context(bundle),
                server_hostname=server_name,
            ) as response,
        ):
            assert response.status == 200
            allowed: bool = (await response.json())["response"]["allowed"]
            return allowed
    finally:
        await server.stop(delay=0)


async def test_the_webhook_serves_the_issued_pair_under_each_service_name(
    tmp_path: Path, capsys: Any
) -> None:
    run_certs(pki=tmp_path / "pki", out=tmp_path / "overlay", capsys=capsys)
    output = read_output(tmp_path / "overlay")
    for name in service_names("tiergate-webhook", namespace="tiergate-system"):
        answer = await _allowed_over_tls(
            output, trusted=output, directory=tmp_path / name, server_name=name
        )
        assert answer is False, "the review was answered (a Starter exporter is denied)"


async def test_during_a_ca_rollover_each_step_s_certificate_is_accepted_with_either_bundle(
    tmp_path: Path, capsys: Any
) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    run_certs(pki=pki, out=out, capsys=capsys)
    states = [read_output(out)]
    for _ in range(3):
        run_certs("--rotate-ca", pki=pki, out=out, capsys=capsys)
        states.append(read_output(out))
    for step, (before, after) in enumerate(itertools.pairwise(states)):
        for served_name, served in (("old", before), ("new", after)):
            for trusted_name, trusted in (("old", before), ("new", after)):
                answer = await _allowed_over_tls(
                    served,
                    trusted=trusted,
                    directory=tmp_path / f"{step}-{served_name}-{trusted_name}",
                    server_name="tiergate-webhook.tiergate-system.svc",
                )
                assert answer is False
