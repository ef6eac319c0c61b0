"""Judging through owners: built-in controller chains only, with the right pod counts."""

from typing import Any

from tests.builders import (
    EXPORTER_IMAGE,
    STARTER,
    container,
    deployment,
    described,
    namespace,
    owned,
    run_audit,
)

EXPORTER = "s1-mosquitto-exporter"


def _pod_of_absent_replica_set(
    owner: dict[str, Any], *, pod_hash: str, suffix: str
) -> dict[str, Any]:
    replica_set = owned("ReplicaSet", f"{owner['metadata']['name']}-{pod_hash}", owner)
    pod = owned("Pod", f"{replica_set['metadata']['name']}-{suffix}", replica_set)
    pod["metadata"]["labels"] = {**pod["metadata"]["labels"], "pod-template-hash": pod_hash}
    return pod


def test_pods_whose_replica_set_is_absent_are_judged_through_their_deployment() -> None:
    exporter = deployment(EXPORTER, "customer-s1", container("e", EXPORTER_IMAGE), replicas=2)
    pods = [_pod_of_absent_replica_set(exporter, pod_hash="6d8f", suffix=s) for s in "ab"]
    report = run_audit(STARTER, exporter, *pods)
    assert described(report) == [("unwanted", "customer-s1", "Deployment", EXPORTER)]
    assert report.summary.waste.requests.cpu == "200m"


def test_a_custom_resource_controller_is_not_reported_in_place_of_its_objects() -> None:
    exporter = deployment(EXPORTER, "customer-s1", container("e", EXPORTER_IMAGE))
    exporter["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "example.com/v1",
            "kind": "Mosquitto",
            "name": "m",
            "uid": "u-m",
            "controller": True,
        }
    ]
    report = run_audit(STARTER, exporter)
    assert described(report) == [("unwanted", "customer-s1", "Deployment", EXPORTER)]


def test_a_replica_set_owned_by_an_unknown_controller_counts_its_own_replicas() -> None:
    rollout = deployment(EXPORTER, "customer-s1", container("e", EXPORTER_IMAGE), replicas=3)
    rollout["apiVersion"], rollout["kind"] = "argoproj.io/v1alpha1", "Rollout"
    replica_set = owned("ReplicaSet", f"{EXPORTER}-7c9", rollout)
    report = run_audit(STARTER, rollout, replica_set)
    (finding,) = report.findings
    assert (finding.kind, finding.replicas, finding.dormant) == ("ReplicaSet", 3, False)


def _cron_job(*, suspend: bool) -> dict[str, Any]:
    template = {"spec": {"containers": [container("e", EXPORTER_IMAGE)]}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "scrape", "namespace": "customer-s1", "uid": "u-cron"},
        "spec": {
            "suspend": suspend,
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": template}},
        },
    }


def _exporter_pod_of_absent_job(job: str) -> dict[str, Any]:
    """A running exporter Pod whose Job (named `job`) is not in the input."""
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": job, "controller": True}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{job}-x", "namespace": "customer-s1", "ownerReferences": [owner]},
        "spec": {"containers": [container("e", EXPORTER_IMAGE)]},
        "status": {"phase": "Running"},
    }


def test_a_suspended_cron_job_whose_job_still_runs_is_not_dormant() -> None:
    cron_job = _cron_job(suspend=True)
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "scrape-29000000",
            "namespace": "customer-s1",
            "uid": "u-job",
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": "scrape",
                    "uid": "u-cron",
                    "controller": True,
                }
            ],
        },
        "spec": {"template": cron_job["spec"]["jobTemplate"]["spec"]["template"]},
    }
    report = run_audit(STARTER, cron_job, job)
    (finding,) = report.findings
    assert (finding.kind, finding.dormant, finding.replicas) == ("CronJob", False, 1)


def test_pods_of_an_absent_job_are_judged_through_its_cron_job() -> None:
    cron_job = _cron_job(suspend=False)
    pod = _exporter_pod_of_absent_job("scrape-29000000")
    assert described(run_audit(STARTER, cron_job, pod)) == [
        ("unwanted", "customer-s1", "CronJob", "scrape")
    ]


def test_satellites_are_never_grouped_under_an_owner() -> None:
    services = []
    for name in ("a-mosquitto-exporter", "b-mosquitto-exporter"):
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": "customer-s1",
                "ownerReferences": [
                    {
                        "apiVersion": "example.com/v1",
                        "kind": "Mosquitto",
                        "name": "m",
                        "controller": True,
                    }
                ],
            },
        }
        services.append(service)
    report = run_audit(namespace("customer-s1"), *services)
    assert [f.name for f in report.findings] == ["a-mosquitto-exporter", "b-mosquitto-exporter"]


def test_a_job_name_that_merely_resembles_a_cron_jobs_is_not_linked_to_it() -> None:
    cron_job = _cron_job(suspend=False)
    cron_job["metadata"]["name"] = "db-migrate"
    cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] = [
        container("migrate", "postgres:16.4")
    ]
    pod = _exporter_pod_of_absent_job("db-migrate-29000000")
    assert described(run_audit(STARTER, cron_job, pod)) == [
        ("unwanted", "customer-s1", "Job", "db-migrate-29000000")
    ]


def _replica_set(owner: dict[str, Any], *, name: str, replicas: int, image: str) -> dict[str, Any]:
    """A ReplicaSet of `owner` at one of its revisions: its own image and replica count."""
    revision = deployment(name, owner["metadata"]["namespace"], container("c", image))
    replica_set = owned("ReplicaSet", name, owner)
    replica_set["spec"] = {**revision["spec"], "replicas": replicas}
    return replica_set


def test_an_old_replica_set_at_zero_that_ran_the_exporter_is_history_not_drift() -> None:
    api = deployment("api", "customer-s1", container("api", "example/api:2"), replicas=3)
    old = _replica_set(api, name="api-5d9f", replicas=0, image=EXPORTER_IMAGE)
    report = run_audit(STARTER, api, old)
    assert (report.findings, report.complete) == ([], True)


def test_a_rollout_that_removed_an_exporter_sidecar_leaves_no_drift_behind() -> None:
    broker = deployment("mosquitto", "customer-s1", container("broker", "eclipse-mosquitto:2"))
    old = owned("ReplicaSet", "mosquitto-7f6c", broker)
    old["spec"] = {**old["spec"], "replicas": 0}
    old["spec"]["template"] = {
        "metadata": {"labels": {"app": "mosquitto"}},
        "spec": {
            "containers": [
                container("broker", "eclipse-mosquitto:2"),
                container("exporter", EXPORTER_IMAGE),
            ]
        },
    }
    assert run_audit(STARTER, broker, old).findings == []


def test_an_old_replica_set_at_zero_is_history_even_when_its_deployment_is_absent() -> None:
    api = deployment("api", "customer-s1", container("api", "example/api:2"))
    old = _replica_set(api, name="api-5d9f", replicas=0, image=EXPORTER_IMAGE)
    assert run_audit(STARTER, old).findings == []


def test_a_replica_set_at_zero_that_no_deployment_owns_is_still_dormant_drift() -> None:
    bare = deployment(EXPORTER, "customer-s1", container("e", EXPORTER_IMAGE), replicas=0)
    bare["kind"] = "ReplicaSet"
    (finding,) = run_audit(STARTER, bare).findings
    assert (finding.kind, finding.dormant) == ("ReplicaSet", True)


def test_a_rollout_away_from_the_exporter_is_judged_and_costed_by_what_still_runs() -> None:
    api = deployment("api", "customer-s1", container("api", "example/api:2"), replicas=3)
    old = _replica_set(api, name="api-5d9f", replicas=1, image=EXPORTER_IMAGE)
    new = _replica_set(api, name="api-6c4b", replicas=2, image="example/api:2")
    report = run_audit(STARTER, api, old, new)
    (finding,) = report.findings
    assert (finding.kind, finding.name, finding.replicas) == ("Deployment", "api", 1)
    assert (finding.requests.cpu, finding.dormant) == ("100m", False)
    assert "current template does not run it, but ReplicaSet api-5d9f" in finding.reason


def test_a_rollout_towards_the_exporter_is_costed_by_the_deployments_replicas() -> None:
    exporter = deployment(EXPORTER, "customer-s1", container("e", EXPORTER_IMAGE), replicas=3)
    new = _replica_set(exporter, name=f"{EXPORTER}-6c4b", replicas=1, image=EXPORTER_IMAGE)
    old = _replica_set(exporter, name=f"{EXPORTER}-5d9f", replicas=0, image="example/e:1")
    (finding,) = run_audit(STARTER, exporter, new, old).findings
    assert (finding.kind, finding.replicas, finding.requests.cpu) == ("Deployment", 3, "300m")
    assert "rollout" not in finding.reason
