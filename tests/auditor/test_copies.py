"""Copies of one object: harmless ones collapse, conflicting ones are an error naming both."""

from typing import Any

import pytest

from auditor.copies import merge_copies, placed
from tests.builders import EXPORTER_IMAGE, container, deployment, namespace, parse_all
from tiergate.objects import KubeObject
from tiergate_edge.failures import InputError


def _one(document: dict[str, Any]) -> KubeObject:
    (obj,) = parse_all(document)
    return obj


def _daemon_set(*, scheduled: int, resource_version: str) -> dict[str, Any]:
    document = deployment("metrics", "customer-s1", container("e", EXPORTER_IMAGE))
    document["kind"] = "DaemonSet"
    document["metadata"]["resourceVersion"] = resource_version
    document["status"] = {"desiredNumberScheduled": scheduled}
    return document


def test_copies_that_differ_only_in_resource_version_and_status_collapse_to_the_busier() -> None:
    idle, busy = (
        _one(_daemon_set(scheduled=0, resource_version="41")),
        _one(_daemon_set(scheduled=3, resource_version="97")),
    )
    (kept,) = merge_copies([(idle, "a.yaml: document 1"), (busy, "b.yaml: document 1")])
    assert kept.desired_pods == 3


def test_copies_that_differ_in_annotations_tiergate_does_not_read_collapse() -> None:
    first = deployment("api", "customer-s1", container("api", "example/api:2"))
    second = deployment("api", "customer-s1", container("api", "example/api:2"))
    second["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "7"}
    assert len(merge_copies([(_one(first), "a"), (_one(second), "b")])) == 1


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        pytest.param(
            namespace("customer-s1", **{"monitoring.dedicated": "true"}),
            namespace("customer-s1", tier="starter"),
            "metadata.labels",
            id="a Namespace labelled differently in two files",
        ),
        pytest.param(
            deployment("api", "customer-s1", container("api", "example/api:2")),
            deployment("api", "customer-s1", container("api", EXPORTER_IMAGE)),
            "the pod template",
            id="a Deployment running another image",
        ),
        pytest.param(
            deployment("api", "customer-s1", container("api", "example/api:2"), replicas=1),
            deployment("api", "customer-s1", container("api", "example/api:2"), replicas=0),
            "the replica count",
            id="a Deployment scaled differently",
        ),
        pytest.param(
            deployment("api", "customer-s1", container("api", "example/api:2"), uid="u-1"),
            deployment("api", "customer-s1", container("api", "example/api:2"), uid="u-2"),
            "metadata.uid",
            id="a Deployment deleted and created again between two snapshots",
        ),
    ],
)
def test_copies_that_disagree_on_what_tiergate_reads_are_an_error_naming_both_places(
    first: dict[str, Any], second: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as raised:
        merge_copies([(_one(first), "a.yaml: document 2"), (_one(second), "b.yaml: document 1")])
    message = str(raised.value)
    assert message.startswith("a.yaml: document 2 and b.yaml: document 1: two copies of ")
    assert f"differ in {field}" in message


def test_an_object_given_with_and_without_its_namespace_counts_once_once_placed() -> None:
    explicit = deployment("api", "customer-s1", container("api", "example/api:2"))
    rendered = deployment("api", None, container("api", "example/api:2"))
    objects = [
        (placed(_one(d), namespace="customer-s1"), str(n))
        for n, d in enumerate([explicit, rendered])
    ]
    (kept,) = merge_copies(objects)
    assert kept.namespace == "customer-s1"


def test_a_namespace_object_is_never_placed_in_a_namespace() -> None:
    obj = _one(namespace("customer-s1"))
    assert placed(obj, namespace="elsewhere") is obj
