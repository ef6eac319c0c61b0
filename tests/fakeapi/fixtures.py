"""Pytest fixtures and client helpers for the fake API server.

Registered in `tests/conftest.py`, so any test can ask for `fake_api`, run the real
kubectl against it, or open a kubernetes_asyncio client configured from its kubeconfig.
"""

import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio import client, config

from tests.fakeapi.server import FakeApiServer, serve

KUBECTL = "/usr/bin/kubectl"


@pytest.fixture
def fake_api(tmp_path: Path) -> Iterator[FakeApiServer]:
    """A started fake API server with the default resources and an empty store."""
    with serve(tmp_path) as server:
        yield server


def kubectl(
    server: FakeApiServer, *args: str, stdin: str | None = None
) -> "subprocess.CompletedProcess[str]":
    """Run the real kubectl against the server, with a discovery cache of its own."""
    command = [
        KUBECTL,
        "--kubeconfig",
        str(server.kubeconfig),
        "--cache-dir",
        str(server.directory / "kubectl-cache"),
        *args,
    ]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=30, check=False
    )


@asynccontextmanager
async def api_client(server: FakeApiServer) -> AsyncIterator[Any]:
    """A kubernetes_asyncio client loaded from the kubeconfig, as code under test loads one."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(server.kubeconfig), client_configuration=configuration
    )
    async with client.ApiClient(configuration) as api:
        yield api
