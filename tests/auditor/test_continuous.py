"""The real `auditor` process in continuous mode, against the fake API server.

Started as a user (or a Deployment) would, scraped over HTTP, stopped with SIGTERM:
it must exit 0 and leave the Lease free for the other replica.
"""

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from auditor.settings import parse_settings
from tests.auditor.election import LEASE, OWN
from tests.auditor.process import ROOT, environment
from tests.builders import EXPORTER_IMAGE, container, deployment, namespace
from tests.fakeapi import FakeApiServer

STARTUP_SECONDS = 60.0  # a generous bound on a busy machine: a wait, never an assertion
DRIFT_LINE = (
    'tiergate_auditor_namespace_drift_objects{dormant="false",drift="unwanted",'
    'kind="Deployment",namespace="customer-s1",rule="mosquitto-exporter"} 1.0'
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def _wait_for(url: str, *, text: str, process: "subprocess.Popen[str]") -> str:
    """The body of `url` once it answers 200 with `text` in it."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        status, body = _get(url)
        if status == 200 and text in body:
            return body
        time.sleep(0.1)
    pytest.fail(f"{url} never answered 200 with {text!r}")


@pytest.fixture
def auditor_process(fake_api: FakeApiServer) -> Iterator[tuple["subprocess.Popen[str]", int]]:
    exporter = container("exporter", EXPORTER_IMAGE)
    fake_api.seed(
        namespace(OWN),
        namespace("customer-s1", tier="starter"),
        deployment("tenant-mosquitto-exporter", "customer-s1", exporter),
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor",
            "--interval",
            "1h",
            "--host",
            "127.0.0.1",
            "--metrics-port",
            str(port),
        ],
        cwd=ROOT,
        env=environment(
            KUBECONFIG=str(fake_api.kubeconfig), POD_NAME="auditor-0", POD_NAMESPACE=OWN
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_the_service_exports_drift_and_on_sigterm_releases_the_lease_and_exits_0(
    fake_api: FakeApiServer, auditor_process: tuple["subprocess.Popen[str]", int]
) -> None:
    process, port = auditor_process
    base = f"http://127.0.0.1:{port}"
    _wait_for(f"{base}/readyz", text="ok", process=process)
    metrics = _wait_for(f"{base}/metrics", text=DRIFT_LINE, process=process)
    assert "tiergate_auditor_leader 1.0" in metrics
    assert "tiergate_auditor_interval_seconds 3600.0" in metrics
    assert 'tiergate_auditor_passes_total{result="complete"} 1.0' in metrics
    assert _get(f"{base}/healthz") == (200, "ok\n")
    lease = fake_api.get("leases", name=LEASE, namespace=OWN, group="coordination.k8s.io")
    assert lease["spec"]["holderIdentity"] == "auditor-0"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=STARTUP_SECONDS)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    lease = fake_api.get("leases", name=LEASE, namespace=OWN, group="coordination.k8s.io")
    assert "holderIdentity" not in lease["spec"]
    assert "released the Lease" in stderr


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({"POD_NAME": "tiergate-auditor-7d9f-x2"}, "tiergate-auditor-7d9f-x2"), ({}, None)],
    ids=["the pod name", "the host name without one"],
)
def test_the_lease_identity_is_the_pod_name_else_the_host_name(
    environ: dict[str, str], expected: str | None
) -> None:
    settings = parse_settings([], environ=environ)
    assert settings.identity == (expected or socket.gethostname())
    assert (settings.interval, settings.metrics_port, settings.lease_name) == (
        60.0,
        9091,
        "tiergate-auditor",
    )
