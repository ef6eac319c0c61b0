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
from contextlib import contextmanager

import pytest

from auditor.settings import parse_settings
from tests.auditor.drifted import EXPORTER, broker, exists, exporter_stack, removals, starter
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


def _seed(server: FakeApiServer) -> None:
    exporter = container("exporter", EXPORTER_IMAGE)
    server.seed(
        namespace(OWN),
        namespace("customer-s1", tier="starter"),
        deployment("tenant-mosquitto-exporter", "customer-s1", exporter),
    )


@contextmanager
def _auditor(
    server: FakeApiServer, *, identity: str, args: tuple[str, ...] = ()
) -> Iterator[tuple["subprocess.Popen[str]", str]]:
    """A continuous-mode auditor process and the base URL of its metrics port."""
    port = _free_port()
    command = ["--interval", "1h", "--host", "127.0.0.1", "--metrics-port", str(port), *args]
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", *command],
        cwd=ROOT,
        env=environment(KUBECONFIG=str(server.kubeconfig), POD_NAME=identity, POD_NAMESPACE=OWN),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _holder(server: FakeApiServer) -> str | None:
    lease = server.get("leases", name=LEASE, namespace=OWN, group="coordination.k8s.io")
    holder: str | None = lease["spec"].get("holderIdentity")
    return holder


def test_the_service_exports_drift_and_on_sigterm_releases_the_lease_and_exits_0(
    fake_api: FakeApiServer,
) -> None:
    _seed(fake_api)
    with _auditor(fake_api, identity="auditor-0") as (process, base):
        _check_the_leader_and_stop_it(fake_api, process=process, base=base)
    assert _holder(fake_api) is None


def _check_the_leader_and_stop_it(
    fake_api: FakeApiServer, *, process: "subprocess.Popen[str]", base: str
) -> None:
    _wait_for(f"{base}/readyz", text="ok", process=process)
    metrics = _wait_for(f"{base}/metrics", text=DRIFT_LINE, process=process)
    assert "tiergate_auditor_leader 1.0" in metrics
    assert "tiergate_auditor_interval_seconds 3600.0" in metrics
    assert 'tiergate_auditor_passes_total{result="complete"} 1.0' in metrics
    assert _get(f"{base}/healthz") == (200, "ok\n")
    assert _holder(fake_api) == "auditor-0"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=STARTUP_SECONDS)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert _holder(fake_api) in (None, "auditor-1"), "released, or already taken over"
    assert "released the Lease" in stderr


def test_of_two_processes_one_exports_drift_and_the_other_takes_over_on_sigterm(
    fake_api: FakeApiServer,
) -> None:
    _seed(fake_api)
    fast = ("--lease-retry-period", "0.2s")  # a 1.2 s lease: real processes, real time
    with _auditor(fake_api, identity="auditor-0", args=fast) as (first, first_base):
        _wait_for(f"{first_base}/metrics", text=DRIFT_LINE, process=first)
        with _auditor(fake_api, identity="auditor-1", args=fast) as (second, second_base):
            _wait_for(f"{second_base}/readyz", text="ok", process=second)
            scraped = _get(f"{second_base}/metrics")[1]
            assert "tiergate_auditor_leader 0.0" in scraped
            assert "namespace_drift_objects{" not in scraped
            _check_the_leader_and_stop_it(fake_api, process=first, base=first_base)
            taken = _wait_for(f"{second_base}/metrics", text=DRIFT_LINE, process=second)
            assert "tiergate_auditor_leader 1.0" in taken
            assert _holder(fake_api) == "auditor-1"


def test_with_apply_and_no_grace_the_service_removes_the_unwanted_stack_and_exits_0_on_sigterm(
    fake_api: FakeApiServer,
) -> None:
    fake_api.enable_monitors()
    fake_api.seed(namespace(OWN), starter("customer-s1"))
    fake_api.seed(*exporter_stack("customer-s1"), broker("customer-s1"))
    args = ("--remediate", "apply", "--grace", "0")
    with _auditor(fake_api, identity="auditor-0", args=args) as (process, base):
        done = (
            'tiergate_auditor_remediations_total{action="delete",mode="apply",'
            'result="done",rule="mosquitto-exporter"} 3.0'
        )
        _wait_for(f"{base}/metrics", text=done, process=process)
        assert removals(fake_api) == [
            ("servicemonitors", "customer-s1", EXPORTER),
            ("services", "customer-s1", EXPORTER),
            ("deployments", "customer-s1", EXPORTER),
        ]
        assert exists(fake_api, "deployments", "broker", "customer-s1", "apps")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=STARTUP_SECONDS)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert _holder(fake_api) is None


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
