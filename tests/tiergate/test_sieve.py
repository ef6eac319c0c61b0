"""The sieve agrees with the full path: it never drops or records what the full path judges.

Generated objects (valid and malformed) and every fixture and example object go
through both; a component or satellite must come out of the sieve as the same
typed view, a broker or owner as a record that says the same.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiergate.classification import classify, runs_expected
from tiergate.config import MOSQUITTO_EXPORTER_RULE, TiergateConfig, parse_config
from tiergate.kinds import OWNER_KINDS
from tiergate.objects import KubeObject
from tiergate.reading import ObjectError, parse_object
from tiergate.records import WorkloadRecord
from tiergate.sieve import Sieve

ROOT = Path(__file__).resolve().parents[2]
SECOND_RULE = {
    "name": "opencost",
    "component": {
        "images": ["*opencost/opencost:*"],
        "names": ["opencost-*"],
        "labels": {"app.kubernetes.io/name": "opencost", "cost": ""},
    },
    "allowedIn": {"matchLabels": {"tier": "enterprise"}},
    "expected": {"withImages": ["*prometheus*"]},
    "fixHint": "disable opencost",
}
CONFIG = parse_config(
    {"rules": [MOSQUITTO_EXPORTER_RULE.model_dump(by_alias=True), SECOND_RULE]}, source="test"
)

NAMES = st.sampled_from(
    [
        "api",
        "c1-customer-instance-mosquitto-exporter",
        "mosquitto-exporter",
        "opencost-ui",
        "mosquitto",
        "web-7d9f",
        "api-5d9f-x2",
        "Bad_Name",
        "",
    ]
)
IMAGES = st.sampled_from(
    [
        "sapcc/mosquitto-exporter:0.8.0",
        "registry.example.com:5000/sapcc/mosquitto-exporter",
        "tools:mosquitto-exporter-debug",
        "eclipse-mosquitto:2.0.18",
        "mosquitto:2",
        "ghcr.io/opencost/opencost:1.111.0",
        "quay.io/prometheus/prometheus:v3",
        "example/api:2",
        "busybox",
        7,
    ]
)
LABELS = st.dictionaries(
    st.sampled_from(
        [
            "app",
            "app.kubernetes.io/component",
            "app.kubernetes.io/name",
            "cost",
            "pod-template-hash",
            "monitoring.dedicated",
        ]
    ),
    st.sampled_from(["mosquitto-exporter", "opencost", "", "api", "true", "5d9f", None]),
    max_size=3,
)
CONTAINER = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "exporter"]), "image": IMAGES},
    optional={"restartPolicy": st.sampled_from(["Always", "OnFailure"])},
)
POD_SPEC = st.fixed_dictionaries(
    {"containers": st.lists(CONTAINER, min_size=1, max_size=3)},
    optional={"initContainers": st.lists(CONTAINER, max_size=2)},
)
OWNER = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["apps/v1", "batch/v1", "v1", "example.com/v1"]),
        "kind": st.sampled_from(["Deployment", "ReplicaSet", "Job", "CronJob", "Rollout"]),
        "name": NAMES,
        "uid": st.sampled_from(["u-1", "u-2"]),
        "controller": st.booleans(),
    }
)
METADATA = st.fixed_dictionaries(
    {"name": NAMES},
    optional={
        "namespace": st.sampled_from(["customer-s1", "customer-e1", "kube-system"]),
        "uid": st.sampled_from(["u-1", "u-2", "u-3"]),
        "labels": LABELS | st.just(["not", "a", "mapping"]),
        "ownerReferences": st.lists(OWNER, max_size=2),
        "generateName": st.sampled_from(["opencost-", "api-"]),
    },
)
SELECTOR_PAIRS = st.dictionaries(
    st.sampled_from(["app.kubernetes.io/component", "app.kubernetes.io/name", "app", "cost"]),
    st.sampled_from(["mosquitto-exporter", "opencost", "api", ""]),
    max_size=2,
)
MONITOR_SELECTOR = st.fixed_dictionaries(
    {},
    optional={
        "matchLabels": SELECTOR_PAIRS,
        "matchExpressions": st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(["app.kubernetes.io/component", "cost"]),
                    "operator": st.sampled_from(["In", "NotIn", "Exists"]),
                    "values": st.lists(
                        st.sampled_from(["mosquitto-exporter", "", "x"]), max_size=2
                    ),
                }
            ),
            max_size=2,
        ),
    },
)
COUNTS = st.integers(min_value=0, max_value=3) | st.sampled_from([None, "two", True, 2**40])


def _workload(kind: str, api_version: str, template_path: tuple[str, ...]) -> Any:
    def build(metadata: dict[str, Any], pod_spec: Any, count: Any, suspend: bool) -> Any:
        if not template_path:
            return {
                "apiVersion": api_version,
                "kind": kind,
                "metadata": metadata,
                "spec": pod_spec,
                "status": {"phase": "Running" if suspend else "Succeeded"},
            }
        template: Any = {"metadata": {"labels": {"app": "x"}}, "spec": pod_spec}
        for key in reversed(template_path[1:]):
            template = {key: template}
        spec = {**template, "replicas": count, "parallelism": count, "suspend": suspend}
        return {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": metadata,
            "spec": spec,
            "status": {"desiredNumberScheduled": count},
        }

    return st.builds(
        build, METADATA, POD_SPEC | st.just({"containers": "oops"}), COUNTS, st.booleans()
    )


WORKLOADS = st.one_of(
    _workload("Pod", "v1", ()),
    _workload("Deployment", "apps/v1", ("spec", "template")),
    _workload("ReplicaSet", "apps/v1", ("spec", "template")),
    _workload("StatefulSet", "apps/v1", ("spec", "template")),
    _workload("DaemonSet", "apps/v1", ("spec", "template")),
    _workload("ReplicationController", "v1", ("spec", "template")),
    _workload("Job", "batch/v1", ("spec", "template")),
    _workload("CronJob", "batch/v1", ("spec", "jobTemplate", "spec", "template")),
)
SATELLITES = st.one_of(
    st.builds(
        lambda m, s: {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": m,
            "spec": {"selector": s},
        },
        METADATA,
        SELECTOR_PAIRS,
    ),
    st.builds(
        lambda m, s, k: {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": k,
            "metadata": m,
            "spec": {"selector": s},
        },
        METADATA,
        MONITOR_SELECTOR,
        st.sampled_from(["ServiceMonitor", "PodMonitor"]),
    ),
)
OTHERS = st.builds(
    lambda m, k: {"apiVersion": "v1", "kind": k, "metadata": m},
    METADATA,
    st.sampled_from(["Namespace", "ConfigMap", "Secret"]),
)


def _outcome(judge: Callable[[Mapping[str, Any]], Any], document: Mapping[str, Any]) -> Any:
    """What `judge` returns, or the message of the ObjectError it raises."""
    try:
        return judge(document)
    except ObjectError as error:
        return f"ObjectError: {error}"


def assert_sieve_agrees(document: Mapping[str, Any], *, config: TiergateConfig) -> None:
    full = _outcome(parse_object, document)
    kept = _outcome(Sieve(config).keep, document)
    if isinstance(kept, str):
        assert kept == full, "the sieve refuses only what the full path refuses, in its words"
        return
    if not isinstance(full, KubeObject):
        return  # the full path refuses or skips it; the sieve may drop it unread
    if full.kind == "Namespace" or any(classify(full, rule=r) for r in config.rules):
        assert kept == full, "a namespace or a possible component must be the same typed view"
        assert Sieve(config).candidate(document) == full, "admission must see it too"
        return
    if isinstance(kept, KubeObject):
        assert kept == full
        return
    brokers = [r.name for r in config.rules if full.desired_pods and runs_expected(full, rule=r)]
    if full.kind in OWNER_KINDS or brokers:
        assert isinstance(kept, WorkloadRecord), "an owner or a broker must be kept"
        assert (kept.kind, kept.name, kept.namespace, kept.uid) == (
            full.kind,
            full.name,
            full.namespace,
            full.uid,
        )
        assert (kept.controller, kept.desired_pods, kept.pod_template_hash) == (
            full.controller,
            full.desired_pods,
            full.pod_template_hash,
        )
        assert (kept.images, kept.running_images) == (full.images, full.running_images)


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(WORKLOADS, SATELLITES, OTHERS))
def test_the_sieve_agrees_with_the_full_path_on_generated_objects(document: Any) -> None:
    assert_sieve_agrees(document, config=CONFIG)


def _fixture_documents() -> list[Any]:
    documents: list[Any] = []
    for path in [
        *sorted((ROOT / "examples").glob("*.yaml")),
        ROOT / "tests/fixtures/classification.yaml",
    ]:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            documents += _objects_in(document)
    return documents


def _objects_in(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        if "kind" in node and "apiVersion" in node and node.get("kind") != "List":
            return [node]
        return [o for value in node.values() for o in _objects_in(value)]
    if isinstance(node, list):
        return [o for value in node for o in _objects_in(value)]
    return []


@pytest.mark.parametrize("config", [CONFIG], ids=["two rules"])
def test_the_sieve_agrees_with_the_full_path_on_every_fixture_and_example_object(
    config: TiergateConfig,
) -> None:
    documents = _fixture_documents()
    assert len(documents) > 150
    for document in documents:
        assert_sieve_agrees(document, config=config)


def test_admission_candidates_are_neither_recorded_nor_counted() -> None:
    sieve = Sieve(CONFIG)
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "customer-s1"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "example/api:2"}]}}},
    }
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}}
    assert (sieve.candidate(owner), sieve.candidate(service), sieve.dropped) == (None, None, 0)
    assert isinstance(sieve.keep(owner), WorkloadRecord)
    assert (sieve.keep(service), sieve.dropped) == (None, 1)


@pytest.mark.parametrize("namespace", [["customer-s1"], {"name": "customer-s1"}])
def test_an_owner_whose_namespace_is_not_text_is_refused_as_the_full_path_refuses_it(
    namespace: Any,
) -> None:
    # The cluster source passes the owners a judgement will look up as a set: a list or
    # mapping namespace would not hash there, and must fail as unreadable, not as a crash.
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": namespace},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "example/api:2"}]}}},
    }
    expected = _outcome(parse_object, owner)
    assert expected.startswith("ObjectError: ")
    assert _outcome(lambda d: Sieve(CONFIG).keep(d, owners=set()), owner) == expected
