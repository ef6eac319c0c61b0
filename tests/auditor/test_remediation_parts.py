"""The pure parts of remediation: redaction, the state's chunks, the breaker, the metrics."""

import json
from collections import Counter
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from auditor.metric_names import CIRCUIT_BREAKER_OPEN, GRACE_PENDING, REMEDIATIONS
from auditor.remediation.breaker import BreakerLimits, Picture, suspicious
from auditor.remediation.metrics import RemediationMetrics
from auditor.remediation.redaction import REDACTED, redacted
from auditor.remediation.state_store import (
    MAX_CHUNKS,
    State,
    StateTooLargeError,
    save_state,
    split,
)
from tests.builders import namespace as namespace_object
from tests.fakeapi import FakeApiServer
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy


def test_redaction_removes_env_values_secrets_secret_arguments_and_the_applied_copy() -> None:
    manifest: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "x",
            "managedFields": [{"manager": "helm"}],
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"password": "p"}',
                "example.com/api-token": "t0k3n",
                "example.com/team": "mqtt",
            },
        },
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "e",
                            "image": "sapcc/mosquitto-exporter:0.8.0",
                            "env": [
                                {"name": "MQTT_USER", "value": "admin"},
                                {"name": "REF", "valueFrom": {"secretKeyRef": {"name": "s"}}},
                            ],
                            "args": ["--mqtt.password=hunter2", "--web.listen-address=:9234"],
                        }
                    ]
                }
            },
            "auth": {"clientSecret": "s3cr3t"},
        },
        "status": {"replicas": 1},
    }
    cleaned = redacted(manifest)
    text = json.dumps(cleaned)
    for secret in ("admin", "hunter2", "s3cr3t", "t0k3n", '"p"', "managedFields"):
        assert secret not in text
    container = cleaned["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == [f"--mqtt.password={REDACTED}", "--web.listen-address=:9234"]
    assert container["env"][1]["valueFrom"] == {"secretKeyRef": {"name": "s"}}
    assert cleaned["metadata"]["annotations"]["example.com/team"] == "mqtt"
    assert "status" not in cleaned
    assert manifest["spec"]["auth"]["clientSecret"] == "s3cr3t", "the original is not changed"


def _exporter(**container: Any) -> dict[str, Any]:
    spec = {"containers": [{"name": "e", "image": "sapcc/mosquitto-exporter:0.8.0", **container}]}
    return {"kind": "Deployment", "metadata": {"name": "x"}, "spec": {"template": {"spec": spec}}}


@pytest.mark.parametrize(
    ("container", "kept"),
    [
        # The exporter's own flags: `--pass value, -p value` (and $MQTT_PASS).
        ({"args": ["--pass=hunter2"]}, []),
        ({"args": ["--endpoint", "tcp://mqtt:1883", "--pass", "hunter2"]}, ["tcp://mqtt:1883"]),
        ({"args": ["--password", "hunter2", "--user", "admin"]}, ["admin"]),
        ({"command": ["/mosquitto_exporter", "--pass", "hunter2"]}, ["/mosquitto_exporter"]),
        ({"args": ["--api-token", "hunter2"]}, []),
        (
            {
                "livenessProbe": {
                    "httpGet": {"httpHeaders": [{"name": "Authorization", "value": "hunter2"}]}
                }
            },
            ["Authorization"],
        ),
    ],
)
def test_redaction_removes_secret_values_however_the_flags_pass_them(
    container: dict[str, Any], kept: list[str]
) -> None:
    text = json.dumps(redacted(_exporter(**container)))
    assert "hunter2" not in text
    for word in kept:
        assert word in text, "what is not secret stays readable"


@pytest.mark.parametrize("chunk_bytes", [60, 200, 1000, 900_000])
def test_the_first_seen_times_split_into_chunks_within_the_limit_and_lose_nothing(
    chunk_bytes: int,
) -> None:
    times = {
        f"customer-{n}": {f"{n:04d}-uid-{i:02d}-6f1e": 1_780_000_000 + i for i in range(7)}
        for n in range(9)
    }
    chunks = split(times, chunk_bytes=chunk_bytes)
    for chunk in chunks:
        assert len(json.dumps(chunk, separators=(",", ":"))) <= max(chunk_bytes, 60)
    merged: dict[str, dict[str, int]] = {}
    for chunk in chunks:
        for namespace, found in chunk.items():
            merged.setdefault(namespace, {}).update(found)
    assert merged == times
    assert (len(chunks) == 1) == (chunk_bytes == 900_000)


@pytest.mark.parametrize(
    ("previous", "current", "opens"),
    [
        (None, Picture(0, 500), False),
        (Picture(40, 2), Picture(39, 3), False),  # one tenant downgraded
        (Picture(4, 0), Picture(2, 0), False),  # fewer than 3 namespaces lost
        (Picture(4, 0), Picture(1, 0), True),
        (Picture(400, 0), Picture(380, 0), False),  # 5 %: a busy day, not a wipe
        (Picture(400, 0), Picture(290, 0), True),
        (Picture(10, 5), Picture(10, 14), False),  # rose by 9
        (Picture(10, 5), Picture(10, 15), True),
        (Picture(10, 30), Picture(10, 45), False),  # did not double
    ],
)
def test_the_breaker_opens_on_a_sharp_drop_or_a_jump_and_not_on_ordinary_change(
    previous: Picture | None, current: Picture, opens: bool
) -> None:
    assert (suspicious(previous, current, limits=BreakerLimits()) is not None) == opens


def test_the_metrics_carry_the_shared_names_and_labels() -> None:
    registry = CollectorRegistry()
    metrics = RemediationMetrics(registry)
    metrics.counted(rule="r", action="delete", result="done", mode="apply")
    metrics.show(breaker_open=True, pending=Counter({"r": 2}), rules=["r"])
    labels = {"rule": "r", "action": "delete", "result": "done", "mode": "apply"}
    assert registry.get_sample_value(REMEDIATIONS, labels) == 1
    assert registry.get_sample_value(CIRCUIT_BREAKER_OPEN) == 1
    assert registry.get_sample_value(GRACE_PENDING, {"rule": "r"}) == 2


OWN = "tiergate-system"


async def test_a_state_past_the_chunk_bound_is_refused_before_anything_is_written(
    fake_api: FakeApiServer,
) -> None:
    # One time a chunk: MAX_CHUNKS + 1 times would need one ConfigMap more than a reader takes.
    times = {"customer-s1": {f"uid-{n:03}": 1_700_000_000 for n in range(MAX_CHUNKS + 1)}}
    assert len(split(times, chunk_bytes=40)) == MAX_CHUNKS + 1
    fake_api.seed(namespace_object(OWN))
    async with await KubeApi.connect(
        retry=RetryPolicy(attempts=1), kubeconfig=str(fake_api.kubeconfig)
    ) as api:
        with pytest.raises(StateTooLargeError, match=f"more than the {MAX_CHUNKS}"):
            await save_state(api, namespace=OWN, state=State(times), chunk_bytes=40)
        assert len(split(times, chunk_bytes=4096)) == 1
        await save_state(api, namespace=OWN, state=State(times))
    written = [r.verb for r in fake_api.requests if r.resource == "configmaps"]
    assert written == ["create"], "only the state that fits was written"
    saved = fake_api.get("configmaps", name="tiergate-auditor-first-seen", namespace=OWN)
    assert saved["data"]["chunks"] == "1"
