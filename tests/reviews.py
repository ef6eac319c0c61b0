"""Recorded AdmissionReviews (tests/fixtures/admission-reviews) and exporter variants of them.

Each variant starts from a real recorded request and changes only what the case
is about, so the tests judge what kube-apiserver really sends.
"""

import copy
import json
from pathlib import Path
from typing import Any

from tests.builders import EXPORTER_IMAGE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "admission-reviews"
STARTER_NS = "customer-s1"
STARTER_LABELS = {"kubernetes.io/metadata.name": STARTER_NS, "tier": "starter"}
ENTERPRISE_LABELS = {"kubernetes.io/metadata.name": "customer-e1", "monitoring.dedicated": "true"}
EXPORTER_NAME = "s1-mosquitto-exporter"


def recorded(name: str) -> dict[str, Any]:
    """The `request` stanza of a recorded review (either shape of file)."""
    document = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    request: dict[str, Any] = document.get("request", document)
    return request


def envelope(request: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def _placed(request: dict[str, Any], namespace: str) -> dict[str, Any]:
    request["namespace"] = namespace
    for key in ("object", "oldObject"):
        if request.get(key):
            request[key].setdefault("metadata", {})["namespace"] = namespace
    return request


def _run_exporter(obj: dict[str, Any], *, replicas: int | None = None) -> None:
    spec = obj["spec"]
    pod_spec = spec["template"]["spec"] if "template" in spec else spec
    pod_spec["containers"][-1]["image"] = EXPORTER_IMAGE
    if replicas is not None:
        spec["replicas"] = replicas


def deployment_create(*, exporter: bool = True, namespace: str = STARTER_NS) -> dict[str, Any]:
    """kubectl apply of a Deployment (recorded), running the exporter if `exporter`."""
    request = _placed(copy.deepcopy(recorded("deployment-create.request.json")), namespace)
    if exporter:
        _run_exporter(request["object"], replicas=1)
    return request


def deployment_update(
    *,
    old_exporter: bool,
    new_exporter: bool,
    old_replicas: int = 1,
    new_replicas: int = 1,
    namespace: str = STARTER_NS,
) -> dict[str, Any]:
    """kubectl patch of a Deployment (recorded), old and new object as the case needs."""
    request = _placed(copy.deepcopy(recorded("deployment-update.request.json")), namespace)
    request["oldObject"]["spec"]["replicas"] = old_replicas
    request["object"]["spec"]["replicas"] = new_replicas
    if old_exporter:
        _run_exporter(request["oldObject"])
    if new_exporter:
        _run_exporter(request["object"])
    return request


def controller_pod(*, username: str | None = None) -> dict[str, Any]:
    """A Pod created by the ReplicaSet controller (recorded, with its generated name)."""
    request = _placed(
        copy.deepcopy(recorded("pod-create-by-replicaset-controller.request.json")), STARTER_NS
    )
    obj = request["object"]
    obj["metadata"]["name"] = obj["metadata"]["generateName"] + "x7k2p"
    request["name"] = obj["metadata"]["name"]
    _run_exporter(obj)
    if username is not None:
        request["userInfo"] = {"username": username, "groups": ["system:authenticated"]}
    return request


def exporter_service() -> dict[str, Any]:
    """A Service named like the exporter (the recorded LoadBalancer Service, renamed)."""
    request = _placed(copy.deepcopy(recorded("service-create.request.json")), STARTER_NS)
    request["name"] = request["object"]["metadata"]["name"] = EXPORTER_NAME
    return request


def scale(*, old: int, new: int, name: str = EXPORTER_NAME) -> dict[str, Any]:
    """`deployments/scale` (the docs example) with a real Scale's metadata and replicas."""
    request = _placed(
        copy.deepcopy(recorded("deployment-scale-update.docs-example.json")), STARTER_NS
    )
    request["name"] = name
    for key, replicas in (("oldObject", old), ("object", new)):
        request[key] = {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {"name": name, "namespace": STARTER_NS, "uid": "u-1"},
            "spec": {"replicas": replicas},
            "status": {"replicas": old, "selector": "app=exporter"},
        }
    return request
