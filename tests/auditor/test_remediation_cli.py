"""`auditor --once --remediate ...` as a user runs it, against the fake API server.

The one-off clean-up (`--remediate apply --grace 0`) removes exactly the
unwanted stacks; no fault that makes a pass incomplete lets anything be
written; the run refuses while another replica holds the Lease.
"""

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.auditor.drifted import CONFIG_YAML, EXPORTER, OWN, WRITES, drifted_cluster, writes
from tests.auditor.process import assert_clean_failure, auditor, environment
from tests.auditor.test_cluster import FAST_RETRIES, UNHEALED_FAULTS
from tests.fakeapi import FakeApiServer


@pytest.fixture
def cluster(fake_api: FakeApiServer, tmp_path: Path) -> tuple[FakeApiServer, Path]:
    fake_api.enable_monitors()
    fake_api.seed(*drifted_cluster())
    config = tmp_path / "rules.yaml"
    config.write_text(CONFIG_YAML, encoding="utf-8")
    return fake_api, config


def _run(server: FakeApiServer, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = environment(KUBECONFIG=str(server.kubeconfig), POD_NAME="auditor-once")
    return auditor("--once", "-o", "json", "--config", str(config), *args, env=env)


def _lease(server: FakeApiServer) -> dict[str, Any]:
    """The spec of the auditor's Lease."""
    lease = server.get(
        "leases", name="tiergate-auditor", namespace=OWN, group="coordination.k8s.io"
    )
    return dict(lease["spec"])


def _running_violations(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (f["namespace"], f["kind"], f["name"])
        for f in report["findings"]
        if f["drift"] in {"unwanted", "orphaned"} and not f["exempt"] and not f["dormant"]
    }


def test_the_one_off_clean_up_removes_exactly_the_unwanted_stacks(
    cluster: tuple[FakeApiServer, Path],
) -> None:
    server, config = cluster
    before = json.loads(_run(server, config).stdout)
    assert _running_violations(before) == {
        ("customer-s1", "Deployment", EXPORTER),
        ("customer-s1", "Service", EXPORTER),
        ("customer-s1", "ServiceMonitor", EXPORTER),
        ("customer-s2", "Deployment", "broker"),
        ("customer-s3", "Service", "s3-mosquitto-exporter"),
    }
    result = _run(server, config, "--remediate", "apply", "--grace", "0")
    assert result.returncode == 1, result.stderr
    section = json.loads(result.stdout)["remediation"]
    assert [(a["kind"], a["result"]) for a in section["actions"]] == [
        ("ServiceMonitor", "done"),
        ("Service", "done"),
        ("Deployment", "done"),
        ("Service", "done"),
    ]
    after = json.loads(_run(server, config).stdout)
    assert _running_violations(after) == {("customer-s2", "Deployment", "broker")}, "the sidecar"
    assert _lease(server).get("holderIdentity") in {None, ""}, "released when done"


@pytest.mark.parametrize(("fault", "reason"), UNHEALED_FAULTS)
def test_no_fault_that_makes_the_pass_incomplete_lets_anything_be_written(
    cluster: tuple[FakeApiServer, Path], fault: dict[str, Any], reason: str
) -> None:
    server, config = cluster
    server.fail(verb="list", resource="statefulsets", **fault)
    result = _run(
        server, config, "--remediate", "apply", "--grace", "0", "--page-size", "3", *FAST_RETRIES
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert reason in report["incompleteReasons"][0]
    assert "incomplete" in report["remediation"]["blocked"]
    touched = {r.resource for r in server.requests if r.verb in WRITES}
    assert touched <= {"leases"}, touched


def test_dry_run_sends_every_write_with_dry_run_all_and_changes_nothing(
    cluster: tuple[FakeApiServer, Path],
) -> None:
    server, config = cluster
    args = ("--remediate", "dry-run", "--grace", "0", "--lease-retry-period", "20")
    result = _run(server, config, *args)
    assert result.returncode == 1, result.stderr
    assert _lease(server)["leaseDurationSeconds"] == 120, "6 retry periods, as the service's"
    sent = writes(server)
    assert len(sent) == 4
    assert all(r.dry_run for r in sent)
    assert server.get("deployments", name=EXPORTER, namespace="customer-s1", group="apps")
    actions = json.loads(result.stdout)["remediation"]["actions"]
    assert {a["result"] for a in actions} == {"dry-run"}


def _held_lease(holder: str, *, ago: timedelta = timedelta(0)) -> dict[str, Any]:
    """The auditor's Lease, held by `holder` and renewed `ago` (by this machine's clock)."""
    renewed = (datetime.now(UTC) - ago).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "tiergate-auditor", "namespace": OWN},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 600, "renewTime": renewed},
    }


@pytest.mark.parametrize(
    "holder",
    [
        pytest.param("auditor-7c9", id="another pod"),
        # `kubectl exec deploy/tiergate-auditor -- auditor --once ...` inherits the
        # leader's POD_NAME: the run must not take the leader's Lease for its own.
        pytest.param("auditor-once", id="the pod the run was started in"),
    ],
)
def test_the_run_refuses_while_another_replica_holds_the_lease(
    cluster: tuple[FakeApiServer, Path], holder: str
) -> None:
    server, config = cluster
    server.seed(_held_lease(holder))
    result = _run(server, config, "--remediate", "apply", "--grace", "0")
    assert_clean_failure(result, prog="auditor")
    assert "another auditor holds the Lease tiergate-system/tiergate-auditor" in result.stderr
    assert [r for r in server.requests if r.verb in WRITES] == []
    assert [r for r in server.requests if r.verb == "list"] == [], "nothing was read either"
    assert _lease(server)["holderIdentity"] == holder, "the holder keeps its Lease"


def test_without_a_date_header_the_run_refuses_a_held_lease_and_says_why(
    cluster: tuple[FakeApiServer, Path],
) -> None:
    server, config = cluster
    # Silent an hour (its duration is 10 minutes): expired by this machine's clock.
    server.seed(_held_lease("auditor-7c9", ago=timedelta(hours=1)))
    server.date.omit = True
    result = _run(server, config, "--remediate", "apply", "--grace", "0")
    assert_clean_failure(result, prog="auditor")
    assert (
        "another auditor holds the Lease tiergate-system/tiergate-auditor, and the API "
        "server's time is unknown (its responses carry no usable Date header)"
    ) in result.stderr
    assert [r for r in server.requests if r.verb in WRITES | {"list"}] == []
    assert _lease(server)["holderIdentity"] == "auditor-7c9"


def test_a_lease_that_cannot_be_read_is_reported_as_such_not_as_held(
    cluster: tuple[FakeApiServer, Path],
) -> None:
    server, config = cluster
    server.fail(verb="get", resource="leases", status=503, times=99)
    result = _run(server, config, "--remediate", "apply", "--grace", "0")
    assert (result.returncode, "Traceback" in result.stderr) == (2, False), result.stderr
    assert "auditor: the Lease tiergate-system/tiergate-auditor could not be read" in result.stderr
    assert "another auditor holds" not in result.stderr
    assert [r for r in server.requests if r.verb in WRITES | {"list"}] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "-", "--remediate", "apply"], "--remediate acts on the cluster"),
        (["--remediate", "now"], "--remediate: invalid choice"),
        (["--grace", "soon"], "--grace: invalid duration value"),
        (["--max-remediations", "0"], "--max-remediations: Input should be greater than"),
    ],
)
def test_bad_remediation_flags_are_refused_with_the_flag_named(
    args: list[str], message: str
) -> None:
    result = auditor("--once", *args)
    assert_clean_failure(result, prog="auditor")
    assert message in result.stderr
