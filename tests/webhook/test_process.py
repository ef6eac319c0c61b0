"""The `webhook` program as a process: serves over TLS with the fake API, drains on SIGTERM."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.auditor.process import ROOT
from tests.builders import namespace
from tests.fakeapi import FakeApiServer
from tests.reviews import STARTER_NS, deployment_create, envelope
from tests.webhook.certs import SERVICE_NAME, make_ca, make_serving
from tests.webhook.process import free_port
from tests.webhook.test_server import client_context


async def _status(session: aiohttp.ClientSession, url: str) -> int:
    try:
        async with session.get(url) as response:
            return response.status
    except aiohttp.ClientError:
        return 0


async def test_sigterm_makes_it_unready_keeps_serving_then_exits_0(
    fake_api: FakeApiServer, tmp_path: Path
) -> None:
    fake_api.seed(namespace(STARTER_NS, tier="starter"))
    ca = make_ca(tmp_path / "ca")
    pair = make_serving(tmp_path / "serving", ca=ca)
    port, metrics_port = free_port(), free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - Popen returns at once; waiting is threaded
        [
            sys.executable, "-m", "webhook", "--tls-cert", str(pair.cert), "--tls-key",
            str(pair.key), "--host", "127.0.0.1", "--port", str(port), "--metrics-port",
            str(metrics_port), "--shutdown-delay", "1s",
        ],
        cwd=ROOT,
        env={**os.environ, "KUBECONFIG": str(fake_api.kubeconfig)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    ready = f"http://127.0.0.1:{metrics_port}/readyz"
    review = envelope(deployment_create())
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                if await _status(session, ready) == 200:
                    break
                await asyncio.sleep(0.05)
            assert await _status(session, ready) == 200

            async def answer() -> bool:
                async with session.post(
                    f"https://127.0.0.1:{port}/validate",
                    json=review,
                    ssl=client_context(ca.cert),
                    server_hostname=SERVICE_NAME,
                ) as response:
                    allowed: bool = (await response.json())["response"]["allowed"]
                    return allowed

            assert await answer() is False
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.2)
            assert await _status(session, ready) == 503
            assert await answer() is False, "still serving during the shutdown delay"
        started = time.monotonic()
        _, stderr = await asyncio.to_thread(process.communicate, timeout=15)
        assert process.returncode == 0, stderr
        assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    denials = [json.loads(line) for line in stderr.decode().splitlines() if '"denied"' in line]
    assert len(denials) == 2
    assert denials[0]["review"]["uid"] == review["request"]["uid"]
    assert denials[0]["review"]["namespace"] == STARTER_NS
    assert "object" not in denials[0]
