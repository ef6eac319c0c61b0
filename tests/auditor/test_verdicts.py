"""Verdicts through the real auditor: history, copies, API limits and init containers."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.auditor.process import assert_clean_failure, auditor
from tests.builders import (
    EXPORTER_IMAGE,
    STARTER,
    container,
    deployment,
    exporter_init_pod,
    namespace,
    owned,
)


def _write(path: Path, *documents: dict[str, Any]) -> str:
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(documents)}))
    return str(path)


def test_a_deployment_whose_old_replica_set_ran_the_exporter_exits_0(tmp_path: Path) -> None:
    api = deployment("api", "customer-s1", container("api", "example/api:2"), replicas=3)
    old = owned("ReplicaSet", "api-5d9f", api)
    old["spec"] = {**old["spec"], "replicas": 0}
    old["spec"]["template"] = {"spec": {"containers": [container("api", EXPORTER_IMAGE)]}}
    result = auditor("--once", "-f", _write(tmp_path / "s.json", STARTER, api, old))
    assert (result.returncode, result.stderr) == (0, "")
    assert "No drift found." in result.stdout


@pytest.mark.parametrize("order", ["dedicated first", "starter first"])
def test_a_namespace_labelled_two_ways_in_two_files_is_an_error_in_either_order(
    tmp_path: Path, order: str
) -> None:
    dedicated = _write(
        tmp_path / "a.json", namespace("customer-s1", **{"monitoring.dedicated": "true"})
    )
    starter = _write(tmp_path / "b.json", namespace("customer-s1", tier="starter"))
    exporter = _write(
        tmp_path / "c.json", deployment("x", "customer-s1", container("e", EXPORTER_IMAGE))
    )
    files = [dedicated, starter] if order == "dedicated first" else [starter, dedicated]
    result = auditor("--once", "-f", files[0], "-f", files[1], "-f", exporter)
    assert_clean_failure(result, prog="auditor")
    assert f"{files[0]}: document 1, item 1 and {files[1]}: document 1, item 1" in result.stderr
    assert "two copies of Namespace customer-s1 differ in metadata.labels" in result.stderr


def test_copies_from_two_snapshots_that_differ_only_in_status_count_once(tmp_path: Path) -> None:
    exporter = deployment("x", "customer-s1", container("e", EXPORTER_IMAGE))
    later = {**exporter, "metadata": {**exporter["metadata"], "resourceVersion": "99"}}
    later["status"] = {"replicas": 1}
    first = _write(tmp_path / "a.json", STARTER, exporter)
    second = _write(tmp_path / "b.json", STARTER, later)
    result = auditor("--once", "-f", first, "-f", second, "-o", "json")
    report = json.loads(result.stdout)
    assert (result.returncode, report["summary"]["objects"]) == (1, 2)


def test_an_object_with_and_without_its_namespace_counts_once_under_namespace(
    tmp_path: Path,
) -> None:
    explicit = deployment("x", "customer-s1", container("e", EXPORTER_IMAGE))
    rendered = deployment("x", None, container("e", EXPORTER_IMAGE))
    args = ["--namespace", "customer-s1", "--namespace-labels", "tier=starter", "-o", "json"]
    first, second = _write(tmp_path / "a.json", explicit), _write(tmp_path / "b.json", rendered)
    result = auditor("--once", "-f", first, "-f", second, *args)
    report = json.loads(result.stdout)
    assert (report["summary"]["objects"], len(report["findings"])) == (1, 1)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            {"spec": {"replicas": 2**40}},
            "spec.replicas: 1099511627776 is beyond the API's limit of 2147483647",
            id="replicas beyond int32",
        ),
        pytest.param(
            {"metadata": {"name": "API.Server"}},
            "metadata.name: 'API.Server' must be a DNS subdomain",
            id="a name the API refuses",
        ),
        pytest.param(
            {"metadata": {"namespace": "customer_s1"}},
            "metadata.namespace: 'customer_s1' must be a DNS label",
            id="a namespace the API refuses",
        ),
        pytest.param(
            {"spec": {"template": None}},
            "spec.template: a Deployment needs a pod template",
            id="a Deployment without a pod template",
        ),
    ],
)
@pytest.mark.parametrize("image", [EXPORTER_IMAGE, "example/api:2"], ids=["exporter", "other"])
def test_what_the_api_server_refuses_is_an_input_error_naming_the_object(
    tmp_path: Path, change: dict[str, dict[str, Any]], expected: str, image: str
) -> None:
    document = deployment("api", "customer-s1", container("c", image))
    for section, fields in change.items():
        document[section] = {**document[section], **fields}
    result = auditor("--once", "-f", _write(tmp_path / "s.json", STARTER, document))
    assert_clean_failure(result, prog="auditor")
    assert expected in result.stderr


def test_an_exporter_init_container_is_reported_as_one(tmp_path: Path) -> None:
    pod = exporter_init_pod("customer-s1")
    result = auditor("--once", "-f", _write(tmp_path / "s.json", STARTER, pod))
    assert result.returncode == 1
    assert "Pod/warmup  1 pod, no requests; init container" in result.stdout


def test_two_objects_that_share_only_a_generate_name_are_two_objects(tmp_path: Path) -> None:
    jobs = [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"generateName": "migrate", "namespace": "customer-s1"},
            "spec": {"template": {"spec": {"containers": [container("a", image)]}}},
        }
        for image in ("busybox:1", "alpine:3")
    ]
    result = auditor("--once", "-o", "json", "-f", _write(tmp_path / "s.json", STARTER, *jobs))
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["summary"]["objects"] == 3


def test_bare_exporter_pods_that_share_a_generate_name_are_two_findings(tmp_path: Path) -> None:
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"generateName": "exp-", "namespace": "customer-s1", "uid": uid},
            "spec": {"containers": [container("e", EXPORTER_IMAGE)]},
        }
        for uid in ("u-1", "u-2")
    ]
    result = auditor("--once", "-o", "json", "-f", _write(tmp_path / "s.json", STARTER, *pods))
    assert sorted(f["uid"] for f in json.loads(result.stdout)["findings"]) == ["u-1", "u-2"]


def test_a_namespace_that_is_not_a_string_on_an_object_never_judged_is_named(
    tmp_path: Path,
) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": ["t"]},
    }
    result = auditor("--once", "-f", _write(tmp_path / "s.json", STARTER, service))
    assert_clean_failure(result, prog="auditor")
    assert "Service web: metadata.namespace: expected a string" in result.stderr


@pytest.mark.parametrize("output", ["table", "markdown"])
def test_a_lone_surrogate_in_an_image_is_escaped_not_a_crash(tmp_path: Path, output: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "customer-s1"},
        "spec": {"containers": [container("e", "x/mosquitto-exporter:\ud800")]},
    }
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": [STARTER, pod]}), encoding="utf-8"
    )
    result = auditor("--once", "-o", output, "-f", str(path))
    assert result.returncode == 1, result.stderr
    assert "ud800" in result.stdout
