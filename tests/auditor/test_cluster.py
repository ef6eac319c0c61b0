"""`auditor --once` against a live cluster: the fake API server over real HTTP.

The auditor runs as a real process with KUBECONFIG pointing at the fake server;
faults on demand check that what heals within the retry budget gives a complete
pass, and what does not gives an incomplete report and exit 2.
"""

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.auditor.process import ROOT, auditor, environment
from tests.builders import EXPORTER_IMAGE, STARTER, container, deployment, namespace, owned
from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl

SNAPSHOT = ROOT / "examples" / "cluster-snapshot.yaml"
FAST_RETRIES = ("--api-attempts", "3", "--api-backoff", "0.01", "--api-budget", "5")


def _audit(server: FakeApiServer, *args: str) -> subprocess.CompletedProcess[str]:
    return auditor(
        "--once", "-o", "json", *args, env=environment(KUBECONFIG=str(server.kubeconfig))
    )


def _findings(result: subprocess.CompletedProcess[str]) -> set[tuple[str, str, str, str]]:
    report = json.loads(result.stdout)
    return {(f["drift"], f["namespace"], f["kind"], f["name"]) for f in report["findings"]}


def _seeded(server: FakeApiServer, *, monitors: bool = True) -> None:
    if monitors:
        server.enable_monitors()
    items = yaml.safe_load(SNAPSHOT.read_text(encoding="utf-8"))["items"]
    kept = [i for i in items if monitors or "monitoring.coreos.com" not in i["apiVersion"]]
    server.seed({"apiVersion": "v1", "kind": "List", "items": kept})


@pytest.fixture(scope="module")
def expected() -> set[tuple[str, str, str, str]]:
    """What the same snapshot gives when read from the file."""
    return _findings(auditor("--once", "-o", "json", "-f", str(SNAPSHOT)))


def test_the_cluster_gives_the_same_findings_as_its_snapshot_across_page_boundaries(
    fake_api: FakeApiServer, expected: set[tuple[str, str, str, str]]
) -> None:
    _seeded(fake_api)
    result = _audit(fake_api, "--page-size", "2")
    assert result.returncode == 1, result.stderr
    assert _findings(result) == expected
    report = json.loads(result.stdout)
    assert report["complete"] is True
    assert report["source"] == f"cluster {fake_api.url}"
    assert report["scanned"]["Service"] == 27
    pages = [r for r in fake_api.requests if r.verb == "list" and r.resource == "services"]
    assert len(pages) >= 14, "27 Services in pages of 2"


def test_the_planted_objects_are_what_kubectl_sees_too(fake_api: FakeApiServer) -> None:
    _seeded(fake_api)
    listed = kubectl(fake_api, "get", "deployments", "-A", "-o", "json")
    names = {d["metadata"]["name"] for d in json.loads(listed.stdout)["items"]}
    assert "3c44d0b1-customer-instance-mosquitto-exporter" in names


def test_a_cluster_without_the_monitor_crds_is_complete_and_says_what_was_not_scanned(
    fake_api: FakeApiServer,
) -> None:
    _seeded(fake_api, monitors=False)
    report = json.loads(_audit(fake_api).stdout)
    assert report["complete"] is True
    assert set(report["notScanned"]) == {"ServiceMonitor", "PodMonitor"}
    assert "is not served (its CRD is not installed)" in report["notScanned"]["ServiceMonitor"]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"status": 429, "retry_after": 0, "times": 2}, id="429 with Retry-After"),
        pytest.param({"status": 500, "times": 2}, id="500 twice"),
        pytest.param({"drop": True, "times": 1}, id="a dropped connection"),
        pytest.param({"expire_continue": True, "times": 1}, id="410 Gone mid-listing"),
        pytest.param({"delay": 0.5, "times": 1}, id="a slow page"),
    ],
)
def test_faults_that_heal_within_the_budget_give_a_complete_pass(
    fake_api: FakeApiServer, expected: set[tuple[str, str, str, str]], fault: dict[str, Any]
) -> None:
    _seeded(fake_api)
    fake_api.fail(verb="list", resource="deployments", **fault)
    result = _audit(fake_api, "--page-size", "3", *FAST_RETRIES)
    assert result.returncode == 1, result.stderr
    assert _findings(result) == expected
    assert json.loads(result.stdout)["complete"] is True


# Faults on listing StatefulSets that outlast the retries; the remediation tests reuse them.
UNHEALED_FAULTS = [
    pytest.param({"status": 503, "times": 50}, "HTTP 503", id="503 past the budget"),
    pytest.param({"status": 403, "times": 50}, "HTTP 403", id="403 on one kind"),
    pytest.param({"drop": True, "times": 50}, "gave up after 3 attempts", id="dropped"),
    pytest.param(
        {"expire_continue": True, "times": 50},
        "(the listing was started over 3 times)",
        id="410 on every restart",
    ),
]


@pytest.mark.parametrize(("fault", "reason"), UNHEALED_FAULTS)
def test_faults_that_do_not_heal_give_an_incomplete_report_and_exit_2(
    fake_api: FakeApiServer, fault: dict[str, Any], reason: str
) -> None:
    _seeded(fake_api)
    fake_api.fail(verb="list", resource="statefulsets", **fault)
    result = _audit(fake_api, "--page-size", "3", *FAST_RETRIES)
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["complete"] is False
    (incomplete,) = report["incompleteReasons"]
    assert incomplete.startswith("StatefulSet could not be listed: GET /apis/apps/v1/statefulsets")
    assert reason in incomplete
    assert f"auditor: incomplete: {incomplete}" in result.stderr


def test_an_exporter_in_a_starter_namespace_is_found_in_a_cluster_of_one(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(
        STARTER, deployment("x-mosquitto-exporter", "customer-s1", container("e", EXPORTER_IMAGE))
    )
    result = _audit(fake_api)
    assert _findings(result) == {("unwanted", "customer-s1", "Deployment", "x-mosquitto-exporter")}


def test_a_cluster_that_cannot_be_reached_is_a_clean_failure(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    env = environment(KUBECONFIG=str(kubeconfig))
    result = auditor("--once", "-o", "json", *FAST_RETRIES, env=env)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["complete"] is False
    assert any("Namespace could not be listed" in r for r in report["incompleteReasons"])


def test_a_namespace_created_after_the_namespace_list_is_read_again_not_undetermined(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(STARTER)
    fake_api.fail(verb="list", resource="deployments", delay=1.0)
    late = namespace("customer-late", tier="starter")
    exporter = deployment("x-mosquitto-exporter", "customer-late", container("e", EXPORTER_IMAGE))

    def create_while_the_auditor_lists() -> None:
        deadline = time.monotonic() + 20
        while not any(r.resource == "deployments" for r in fake_api.requests):
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)
        fake_api.seed(late, exporter)

    creator = threading.Thread(target=create_while_the_auditor_lists)
    creator.start()
    result = _audit(fake_api)
    creator.join()
    assert _findings(result) == {
        ("unwanted", "customer-late", "Deployment", "x-mosquitto-exporter")
    }
    assert json.loads(result.stdout)["complete"] is True
    reread = [r for r in fake_api.requests if r.verb == "get" and r.name == "customer-late"]
    assert len(reread) == 1


def test_owners_found_through_the_cluster_are_the_ones_the_snapshot_finds(
    fake_api: FakeApiServer,
) -> None:
    api = deployment("api", "customer-s1", container("api", "example/api:2"), replicas=3)
    old = owned("ReplicaSet", "api-5d9f", api)
    old["spec"] = {**old["spec"], "replicas": 1}
    old["spec"]["template"] = {"spec": {"containers": [container("e", EXPORTER_IMAGE)]}}
    exporter = deployment("s1-mosquitto-exporter", "customer-s1", container("e", EXPORTER_IMAGE))
    replica_set = owned("ReplicaSet", "s1-mosquitto-exporter-6d8f", exporter)
    pod = owned("Pod", "s1-mosquitto-exporter-6d8f-x", replica_set)
    pod["metadata"]["labels"] = {"pod-template-hash": "6d8f"}
    fake_api.seed(STARTER, api, old, exporter, pod)  # the exporter's ReplicaSet is gone
    result = _audit(fake_api)
    assert _findings(result) == {
        ("unwanted", "customer-s1", "Deployment", "api"),
        ("unwanted", "customer-s1", "Deployment", "s1-mosquitto-exporter"),
    }
    reasons = [f["reason"] for f in json.loads(result.stdout)["findings"]]
    assert any("ReplicaSet api-5d9f of an unfinished rollout" in r for r in reasons)
