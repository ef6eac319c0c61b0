"""Remediation against the fake API server, with a clock the tests move by hand.

Each test seeds a drifted cluster, audits it as the auditor does, and hands the
report to the Remediator; what reaches the API (fake_api.requests) and what is
left in the store are the assertions.
"""

import json
from datetime import timedelta
from typing import Any

import pytest

from auditor.leadership import LeaseElector
from auditor.remediation.state_store import MAX_CHUNKS, STATE_NAME, chunk_name
from tests.auditor.drifted import (
    EXPORTER,
    OWN,
    REMOVED,
    Leading,
    audit_and_remediate,
    audit_once,
    config_with_exemption,
    connect,
    drifted_cluster,
    exists,
    exporter_stack,
    missing_survivors,
    remediator,
    removals,
    starter,
    writes,
)
from tests.auditor.fake_clock import FakeClock
from tests.builders import BROKER_IMAGE, EXPORTER_IMAGE, container, deployment, owned, service
from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl
from tests.manifests.test_rbac import AUDITOR_BASE
from tiergate.config import Remediation, default_config
from tiergate.findings import Undetermined
from tiergate.remediation_report import ActionResult, RemediateMode


@pytest.fixture
def cluster(fake_api: FakeApiServer) -> FakeApiServer:
    fake_api.enable_monitors()
    fake_api.seed(*drifted_cluster())
    return fake_api


async def test_apply_removes_the_unwanted_stack_in_order_and_nothing_else(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    assert section.blocked is None
    assert removals(cluster) == REMOVED
    assert not exists(cluster, "pods", f"{EXPORTER}-6d8f-x", "customer-s1"), "garbage collected"
    assert missing_survivors(cluster) == []
    held = {(h.namespace, h.name): h.reason for h in section.held}
    assert "sidecar" in held[("customer-s2", "broker")]
    assert held[("customer-x1", "x1-mosquitto-exporter")].startswith("exempt: migration")


async def test_every_write_carries_preconditions_and_background_propagation(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        await remediator(api, clock=clock, config=config).after_pass(report)
    deletes = [r for r in writes(cluster) if r.verb == "delete"]
    assert deletes
    for request in deletes:
        assert request.body["propagationPolicy"] == "Background"
        assert set(request.body["preconditions"]) == {"uid", "resourceVersion"}


async def test_the_action_reports_the_manifest_redacted_and_the_helm_fix_and_an_event(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    (action,) = [a for a in section.actions if a.kind == "Deployment"]
    assert action.result == ActionResult.DONE
    assert action.helm_release == "tenant-s1"
    assert action.fix_hint is not None
    assert "mosquitto.metrics.enabled=false" in action.fix_hint
    assert action.manifest is not None
    text = json.dumps(action.manifest)
    assert "hunter2" not in text
    assert "MQTT_PASSWORD" in text
    events = [
        r.body
        for r in cluster.requests
        if r.verb == "create" and r.resource == "events" and r.namespace == "customer-s1"
    ]
    regarding = {(e["regarding"]["kind"], e["regarding"]["name"]) for e in events}
    assert ("Deployment", EXPORTER) in regarding
    assert all("mosquitto.metrics.enabled=false" in e["note"] for e in events)


async def test_dry_run_changes_nothing_and_every_write_it_sends_carries_dry_run_all(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        version = cluster.store.resource_version
        section = await remediator(
            api, clock=clock, config=config, mode=RemediateMode.DRY_RUN
        ).after_pass(report)
    sent = writes(cluster)
    assert len(sent) == 4
    assert all(r.dry_run for r in sent)
    assert {a.result for a in section.actions} == {ActionResult.DRY_RUN}
    assert exists(cluster, "deployments", EXPORTER, "customer-s1", "apps")
    state_writes = [r for r in cluster.requests if r.verb in {"create", "update"}]
    assert {r.resource for r in state_writes} == {"configmaps"}, "only the grace state is kept"
    assert cluster.store.resource_version == version + 1


async def test_nothing_is_touched_within_the_grace_period_and_all_of_it_after(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        first = await remediator(api, clock=clock, config=config, grace=1800).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
        clock.advance(1799)
        second = await remediator(api, clock=clock, config=config, grace=1800).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
        assert writes(cluster) == []
        assert len(first.pending) == len(second.pending) == 4
        assert second.pending[0].first_seen == first.pending[0].first_seen
        clock.advance(1)
        third = await remediator(api, clock=clock, config=config, grace=1800).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
    assert len(third.actions) == 4
    assert third.pending == []


async def test_time_seen_in_dry_run_counts_when_apply_is_switched_on(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        dry = remediator(api, clock=clock, config=config, grace=600, mode=RemediateMode.DRY_RUN)
        await dry.after_pass(await audit_once(api, config=config, clock=clock))
        clock.advance(600)
        applying = remediator(api, clock=clock, config=config, grace=600)
        section = await applying.after_pass(await audit_once(api, config=config, clock=clock))
    assert {a.result for a in section.actions} == {ActionResult.DONE}


async def test_the_first_seen_times_are_pruned_to_what_is_unwanted_now(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        await remediator(api, clock=clock, config=config, grace=600).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
        cluster.delete("services", name="s3-mosquitto-exporter", namespace="customer-s3")
        await remediator(api, clock=clock, config=config, grace=600).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
    data = cluster.get("configmaps", name=STATE_NAME, namespace=OWN)["data"]
    assert set(json.loads(data["first-seen"])) == {"customer-s1"}


@pytest.mark.parametrize("cap", [1, 2])
async def test_at_most_the_cap_of_stacks_is_acted_on_in_one_pass(
    fake_api: FakeApiServer, cap: int
) -> None:
    fake_api.enable_monitors()
    namespaces = [f"customer-c{i}" for i in range(3)]
    fake_api.seed(*[starter(n) for n in namespaces], starter(OWN))
    fake_api.seed(*[obj for n in namespaces for obj in exporter_stack(n)])
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config, cap=cap).after_pass(report)
    touched = {ns for _, ns, _ in removals(fake_api)}
    assert touched == set(namespaces[:cap])
    assert {d.namespace for d in section.deferred} == set(namespaces[cap:])


async def test_a_namespace_relabelled_to_allowed_just_before_acting_is_left_alone(
    cluster: FakeApiServer,
) -> None:
    def relabel(calls: int) -> None:
        if calls == 3:  # the confirm before the first write; the plan is already made
            ns = cluster.get("namespaces", name="customer-s1")
            ns["metadata"]["labels"]["monitoring.dedicated"] = "true"
            cluster.seed(ns)

    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(
            api, clock=clock, config=config, leadership=Leading(relabel)
        ).after_pass(report)
    assert ("deployments", "customer-s1", EXPORTER) not in removals(cluster)
    assert [r for r in removals(cluster) if r[1] == "customer-s1"] == []
    s1 = [a for a in section.actions if a.namespace == "customer-s1"]
    assert {a.result for a in s1} == {ActionResult.SKIPPED}
    assert all("allows it now" in a.reason for a in s1)


async def test_a_deployment_whose_template_no_longer_runs_the_exporter_is_never_touched(
    fake_api: FakeApiServer,
) -> None:
    api_deployment = deployment("api", "customer-s4", container("api", "example/api:2"))
    old = owned("ReplicaSet", "api-5d9f", api_deployment)
    old["spec"] = {**old["spec"], "replicas": 1}
    old["spec"]["template"] = {"spec": {"containers": [container("e", EXPORTER_IMAGE)]}}
    fake_api.seed(starter(OWN), starter("customer-s4"), api_deployment, old)
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        assert [(f.kind, f.name) for f in report.findings] == [("Deployment", "api")]
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    assert writes(fake_api) == [] or all(r.resource == "events" for r in writes(fake_api))
    assert removals(fake_api) == []
    (action,) = section.actions
    assert action.result == ActionResult.SKIPPED
    assert "no longer mosquitto-exporter itself" in action.reason


def _operator_owned(kind: str) -> list[dict[str, Any]]:
    """An exporter run by a controller tiergate does not know: an Argo Rollout's
    ReplicaSet (with its Pod), or an operator's bare Pod."""
    owner_kind = "Rollout" if kind == "ReplicaSet" else "MosquittoCluster"
    owner = {
        "apiVersion": "argoproj.io/v1alpha1" if kind == "ReplicaSet" else "example.io/v1",
        "kind": owner_kind,
        "metadata": {"name": "metrics", "namespace": "customer-s5", "uid": "uid-operator"},
        "spec": {
            "replicas": 1,
            "template": {
                "metadata": {"labels": {"app": "metrics"}},
                "spec": {"containers": [container("e", EXPORTER_IMAGE)]},
            },
        },
    }
    controlled = owned(kind, "metrics-7f9c", owner)
    if kind == "Pod":
        return [controlled]
    return [controlled, owned("Pod", "metrics-7f9c-x", controlled)]


@pytest.mark.parametrize("kind", ["ReplicaSet", "Pod"])
async def test_an_object_run_by_a_controller_tiergate_does_not_know_is_never_written(
    fake_api: FakeApiServer, kind: str
) -> None:
    fake_api.seed(starter(OWN), starter("customer-s5"), *_operator_owned(kind))
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        assert [(f.kind, f.name) for f in report.findings] == [(kind, "metrics-7f9c")]
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    assert removals(fake_api) == [], "its controller would only bring it back"
    (action,) = section.actions
    assert action.result == ActionResult.SKIPPED
    owner_kind = "Rollout" if kind == "ReplicaSet" else "MosquittoCluster"
    assert f"controlled by {owner_kind} metrics" in action.reason


async def test_an_incomplete_pass_is_never_remediated_and_its_state_is_not_touched(
    cluster: FakeApiServer,
) -> None:
    clock, config = FakeClock(), config_with_exemption()
    cluster.fail(verb="list", resource="statefulsets", status=403, times=5)
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    assert section.blocked is not None
    assert "incomplete" in section.blocked
    assert [r for r in cluster.requests if r.verb in {"create", "update", "patch", "delete"}] == []


async def test_an_undetermined_namespace_blocks_only_itself(cluster: FakeApiServer) -> None:
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        undetermined = report.model_copy(
            update={
                "complete": False,
                "undetermined": [
                    Undetermined(
                        rule="mosquitto-exporter",
                        namespace="customer-s3",
                        kind="Deployment",
                        name="x",
                        reason="the labels of namespace customer-s3 are unknown",
                    )
                ],
            }
        )
        section = await remediator(api, clock=clock, config=config).after_pass(undetermined)
    assert {ns for _, ns, _ in removals(cluster)} == {"customer-s1"}
    assert any(h.namespace == "customer-s3" for h in section.held)


async def test_two_replicas_never_both_remediate(cluster: FakeApiServer) -> None:
    clock, config = FakeClock(), config_with_exemption()
    sections = []
    async with (
        await connect(cluster, clock=clock) as first_api,
        await connect(cluster, clock=clock) as second_api,
    ):
        electors = [
            LeaseElector(a, namespace=OWN, name="tiergate-auditor", identity=i, clock=clock)
            for a, i in ((first_api, "auditor-0"), (second_api, "auditor-1"))
        ]
        taken = [await e.acquire_or_renew() for e in electors]
        assert taken == [True, False]
        for api, elector in zip((first_api, second_api), electors, strict=True):
            report = await audit_once(api, config=config, clock=clock)
            sections.append(
                await remediator(api, clock=clock, config=config, leadership=elector).after_pass(
                    report
                )
            )
    assert sections[0].blocked is None
    assert len(sections[0].actions) == 4
    assert sections[1].blocked == "this replica does not hold the Lease"
    assert sections[1].actions == []
    assert len(removals(cluster)) == 4


async def test_a_lease_lost_mid_round_stops_the_writes_at_once(cluster: FakeApiServer) -> None:
    class Losing(Leading):
        async def confirm(self) -> bool:
            await super().confirm()
            return self.calls < 4  # two before the state is saved, one write, then lost

    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config, leadership=Losing()).after_pass(
            report
        )
    assert removals(cluster) == [("servicemonitors", "customer-s1", EXPORTER)]
    assert section.blocked == "this replica lost the Lease while remediating"


async def test_a_conflict_on_a_write_leaves_the_rest_of_the_stack_for_the_next_pass(
    cluster: FakeApiServer,
) -> None:
    cluster.fail(verb="delete", resource="services", namespace="customer-s1", status=409)
    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    results = [(a.kind, a.result) for a in section.actions if a.namespace == "customer-s1"]
    assert results == [("ServiceMonitor", ActionResult.DONE), ("Service", ActionResult.FAILED)]
    assert exists(cluster, "deployments", EXPORTER, "customer-s1", "apps")


def _scaling_config() -> Any:
    rule = default_config().rules[0].model_copy(update={"remediation": Remediation.SCALE})
    return default_config().model_copy(update={"rules": (rule,)})


async def test_scale_sets_replicas_to_zero_and_suspends_cron_jobs_and_reports_bare_pods(
    fake_api: FakeApiServer,
) -> None:
    exporter = deployment(EXPORTER, "customer-s1", container("e", EXPORTER_IMAGE), replicas=2)
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "scrape-mosquitto-exporter", "namespace": "customer-s1"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [container("e", EXPORTER_IMAGE)]}}}
            },
        },
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bare-mosquitto-exporter", "namespace": "customer-s1"},
        "spec": {"containers": [container("e", EXPORTER_IMAGE)]},
    }
    fake_api.seed(starter(OWN), starter("customer-s1"), exporter, cron, pod)
    clock, config = FakeClock(), _scaling_config()
    async with await connect(fake_api, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    assert (
        fake_api.get("deployments", name=EXPORTER, namespace="customer-s1", group="apps")["spec"][
            "replicas"
        ]
        == 0
    )
    cron_job = fake_api.get(
        "cronjobs", name="scrape-mosquitto-exporter", namespace="customer-s1", group="batch"
    )
    assert cron_job["spec"]["suspend"] is True
    assert exists(fake_api, "pods", "bare-mosquitto-exporter", "customer-s1")
    (held,) = [h for h in section.held if h.kind == "Pod"]
    assert held.reason.startswith("not scalable")
    assert [r.verb for r in writes(fake_api) if r.resource != "events"] == ["patch", "patch"]


async def test_the_state_is_split_across_config_maps_and_read_back_whole(
    fake_api: FakeApiServer,
) -> None:
    namespaces = [f"customer-c{i}" for i in range(6)]
    fake_api.enable_monitors()
    fake_api.seed(starter(OWN), *[starter(n) for n in namespaces])
    fake_api.seed(*[obj for n in namespaces for obj in exporter_stack(n)])
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        for _ in range(2):
            section = await remediator(
                api, clock=clock, config=config, grace=600, chunk_bytes=200
            ).after_pass(await audit_once(api, config=config, clock=clock))
            clock.advance(60)
    names = {
        r.name or r.body["metadata"]["name"]
        for r in fake_api.requests
        if r.resource == "configmaps" and r.verb in {"create", "update"}
    }
    assert len(names) > 3
    assert len({p.first_seen for p in section.pending}) == 1, "the first pass's time, read back"
    assert len(section.pending) == 18


async def _reset(server: FakeApiServer) -> None:
    """The reset as README, "Remediation", documents it, with the real kubectl."""
    result = kubectl(
        server,
        "-n",
        "tiergate-system",
        "patch",
        "configmap",
        "tiergate-auditor-first-seen",
        "--type=json",
        """-p=[{"op": "remove", "path": "/data/circuit-breaker"}]""",
    )
    assert result.returncode == 0, result.stderr


async def test_the_breaker_opens_when_allowed_namespaces_drop_and_stays_open_until_reset(
    fake_api: FakeApiServer,
) -> None:
    enterprises = [f"customer-e{i}" for i in range(4)]
    fake_api.enable_monitors()
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1"))
    fake_api.seed(*[starter(n) for n in enterprises])
    for n in enterprises:
        ns = fake_api.get("namespaces", name=n)
        ns["metadata"]["labels"]["monitoring.dedicated"] = "true"
        fake_api.seed(ns)
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:

        async def round_() -> Any:
            report = await audit_once(api, config=config, clock=clock)
            return await remediator(api, clock=clock, config=config, grace=600).after_pass(report)

        await round_()
        fake_api.seed(*[starter(n) for n in enterprises])  # the label wiped everywhere
        opened = await round_()
        clock.advance(3600)
        still = await round_()
        assert removals(fake_api) == []
        await _reset(fake_api)
        after = await round_()
    assert opened.circuit_breaker.open
    assert "dropped from 4 to 0" in (opened.circuit_breaker.reason or "")
    assert still.blocked is not None
    assert "circuit breaker" in still.blocked
    assert after.circuit_breaker.open is False
    assert {ns for _, ns, _ in removals(fake_api)} == {"customer-s1"}


async def test_the_breaker_opens_when_unwanted_findings_jump(fake_api: FakeApiServer) -> None:
    namespaces = [f"customer-c{i}" for i in range(4)]
    fake_api.enable_monitors()
    fake_api.seed(starter(OWN), *[starter(n) for n in namespaces])
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        first = await remediator(api, clock=clock, config=config).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
        fake_api.seed(*[obj for n in namespaces for obj in exporter_stack(n)])
        second = await remediator(api, clock=clock, config=config).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
    assert first.circuit_breaker.open is False
    assert second.circuit_breaker.open is True
    assert "jumped from 0 to 12" in (second.circuit_breaker.reason or "")
    assert removals(fake_api) == []


def _state_map(name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": OWN},
        "data": data,
    }


@pytest.mark.parametrize(
    "state",
    [
        pytest.param([_state_map(STATE_NAME, **{"first-seen": "not json"})], id="not JSON"),
        pytest.param(
            [
                _state_map(STATE_NAME, chunks="3", **{"first-seen": "{}"}),
                _state_map(f"{STATE_NAME}-2", **{"first-seen": "{}"}),
            ],
            id="a chunk missing",
        ),
        pytest.param(
            [_state_map(chunk_name(i), **{"first-seen": "{}"}) for i in range(MAX_CHUNKS + 1)],
            id="more chunks than a state may span",
        ),
    ],
)
@pytest.mark.parametrize("may_list", [True, False], ids=["listing", "get only, as the RBAC"])
async def test_an_unreadable_state_opens_the_breaker_and_keeps_it_open(
    fake_api: FakeApiServer, state: list[dict[str, Any]], may_list: bool
) -> None:
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1")[:4])
    fake_api.seed(*state)
    if not may_list:  # manifests/base/auditor/rbac.yaml: get, create, update, delete
        fake_api.fail(verb="list", resource="configmaps", namespace=OWN, status=403, times=99)
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        section = await audit_and_remediate(api, clock=clock, config=config)
        again = await audit_and_remediate(api, clock=clock, config=config)
    assert section.circuit_breaker.open
    assert "could not be read" in (section.circuit_breaker.reason or "")
    assert again.circuit_breaker.open, "kept in the state until an admin resets it"
    assert "circuit breaker" in (again.blocked or "")
    assert removals(fake_api) == []


@pytest.mark.parametrize(
    ("named", "reason"),
    [
        ("1", f"more than the {MAX_CHUNKS} a state may span: delete those past {STATE_NAME}-99"),
        (str(MAX_CHUNKS + 1), f"chunks is {MAX_CHUNKS + 1}, but a state spans 1 to {MAX_CHUNKS}"),
    ],
    ids=["found past the bound", "named past the bound"],
)
async def test_chunks_past_the_bound_are_never_read_and_the_state_is_unreadable_saying_why(
    fake_api: FakeApiServer, named: str, reason: str
) -> None:
    extra = 20
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1")[:4])
    fake_api.seed(_state_map(STATE_NAME, chunks=named, **{"first-seen": "{}"}))
    fake_api.seed(
        *[_state_map(chunk_name(i), **{"first-seen": "{}"}) for i in range(1, MAX_CHUNKS + extra)]
    )
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        section = await audit_and_remediate(api, clock=clock, config=config)
    state = [r for r in fake_api.requests if r.resource == "configmaps" and r.namespace == OWN]
    touched = {int((r.name or "").removeprefix(STATE_NAME).lstrip("-") or 0) for r in state}
    assert max(touched) <= MAX_CHUNKS
    assert section.circuit_breaker.open
    assert reason in (section.circuit_breaker.reason or "")
    assert removals(fake_api) == []
    past = [chunk_name(i) for i in range(MAX_CHUNKS, MAX_CHUNKS + extra)]
    assert [name for name in past if not exists(fake_api, "configmaps", name, OWN)] == []


async def test_a_state_another_writer_changed_meanwhile_stops_the_round(
    cluster: FakeApiServer,
) -> None:
    def rewrite(calls: int) -> None:
        if calls == 2:  # the state is read and updated, not yet saved
            cluster.seed(cluster.get("configmaps", name=STATE_NAME, namespace=OWN))

    clock, config = FakeClock(), config_with_exemption()
    async with await connect(cluster, clock=clock) as api:
        await audit_and_remediate(api, clock=clock, config=config, mode=RemediateMode.OFF)
        section = await audit_and_remediate(
            api, clock=clock, config=config, leadership=Leading(rewrite)
        )
    assert "could not be saved" in (section.blocked or "")
    assert removals(cluster) == []


async def test_a_first_seen_time_in_the_future_counts_from_now_not_from_then(
    fake_api: FakeApiServer,
) -> None:
    clock, config = FakeClock(), default_config()
    start = clock.wall()
    ahead = int((start + timedelta(days=1)).timestamp())  # a replica whose clock ran ahead
    times = {"customer-s1": {f"uid-customer-s1-{EXPORTER}": ahead}}
    fake_api.seed(starter(OWN), starter("customer-s1"), *exporter_stack("customer-s1")[:4])
    fake_api.seed(_state_map(STATE_NAME, **{"first-seen": json.dumps(times)}))
    async with await connect(fake_api, clock=clock) as api:
        first = await audit_and_remediate(api, clock=clock, config=config, grace=600)
        clock.advance(600)
        second = await audit_and_remediate(api, clock=clock, config=config, grace=600)
    assert first.actions == []
    assert {p.first_seen for p in first.pending} == {start.isoformat()}
    assert {a.result for a in second.actions} == {ActionResult.DONE}


async def test_a_broker_service_whose_selector_also_selects_the_exporter_survives(
    fake_api: FakeApiServer,
) -> None:
    stack = exporter_stack("customer-s1")
    stack[0]["spec"]["template"]["metadata"]["labels"]["tenant"] = "s1"
    mqtt = service("mqtt", "customer-s1", {"tenant": "s1"}, port=1883)
    fake_api.seed(starter(OWN), starter("customer-s1"), *stack[:4], mqtt)
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        await remediator(api, clock=clock, config=config).after_pass(report)
    assert ("deployments", "customer-s1", EXPORTER) in removals(fake_api)
    assert exists(fake_api, "services", "mqtt", "customer-s1")


async def test_a_workload_named_like_the_exporter_that_runs_the_broker_is_never_written(
    fake_api: FakeApiServer,
) -> None:
    misnamed = deployment(EXPORTER, "customer-s1", container("mosquitto", BROKER_IMAGE))
    fake_api.seed(starter(OWN), starter("customer-s1"), misnamed)
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        report = await audit_once(api, config=config, clock=clock)
        section = await remediator(api, clock=clock, config=config).after_pass(report)
    assert [f.name for f in report.findings if f.is_violation] == [EXPORTER]
    assert removals(fake_api) == []
    assert exists(fake_api, "deployments", EXPORTER, "customer-s1", "apps")
    (action,) = section.actions
    assert action.result == ActionResult.SKIPPED
    assert "broker" in (action.reason or "")


async def test_an_unreadable_state_is_overwritten_with_only_the_verbs_the_role_grants(
    fake_api: FakeApiServer,
) -> None:
    granted = {verb for _, resource, verb, _ in AUDITOR_BASE if resource == "configmaps"}
    unreadable = {"first-seen": "not json", "chunks": "2"}
    fake_api.seed(
        starter(OWN),
        starter("customer-s1"),
        *exporter_stack("customer-s1")[:4],
        *[
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": OWN},
                "data": unreadable,
            }
            for name in (STATE_NAME, f"{STATE_NAME}-1")
        ],
    )
    clock, config = FakeClock(), default_config()
    async with await connect(fake_api, clock=clock) as api:
        section = await remediator(api, clock=clock, config=config).after_pass(
            await audit_once(api, config=config, clock=clock)
        )
    assert section.circuit_breaker.open
    used = {r.verb for r in fake_api.requests if r.resource == "configmaps"}
    assert used <= granted, used - granted
    data = fake_api.get("configmaps", name=STATE_NAME, namespace=OWN)["data"]
    assert set(json.loads(data["first-seen"])) == {"customer-s1"}
    assert not exists(fake_api, "configmaps", f"{STATE_NAME}-1", OWN), "the leftover is gone"
