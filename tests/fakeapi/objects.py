"""What the API server itself writes into an object: uid, timestamps, generation, defaults.

Code under test reads these fields (uids in preconditions, generation, the namespace
name label), so the fake sets them the way kube-apiserver does, not the way a test would.
"""

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.fakeapi.resources import Resource
from tests.fakeapi.status import bad_request, invalid

NAME_LABEL = "kubernetes.io/metadata.name"
REPLICATED = frozenset({"deployments", "statefulsets", "replicasets", "replicationcontrollers"})


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def key(obj: dict[str, Any]) -> tuple[str, str]:
    """The sort and storage key: namespace then name, as etcd orders its keys."""
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or "", metadata.get("name") or "")


def prepare_create(
    resource: Resource, *, obj: dict[str, Any], namespace: str | None
) -> dict[str, Any]:
    """Fill in what a create gets from the server; the caller assigns resourceVersion."""
    metadata = obj.setdefault("metadata", {})
    obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
    if not metadata.get("name") and metadata.get("generateName"):
        metadata["name"] = metadata["generateName"] + uuid.uuid4().hex[:5]
    name = metadata.get("name")
    if not name:
        raise invalid(
            resource,
            name="",
            message="metadata.name: Required value: name or generateName is required",
        )
    if resource.namespaced:
        given = metadata.get("namespace")
        if given and namespace and given != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        metadata["namespace"] = given or namespace or "default"
    else:
        metadata.pop("namespace", None)
    metadata.pop("resourceVersion", None)
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = now()
    metadata["generation"] = 1
    apply_defaults(resource, obj)
    if resource.status:
        obj.pop("status", None)
    if resource.plural == "namespaces":
        obj["spec"] = {"finalizers": ["kubernetes"]} | (obj.get("spec") or {})
        obj["status"] = {"phase": "Active"}
    return obj


def apply_defaults(resource: Resource, obj: dict[str, Any]) -> None:
    """The few defaults tests depend on: the namespace name label, a replica count."""
    metadata = obj.setdefault("metadata", {})
    if resource.plural == "namespaces":
        metadata.setdefault("labels", {})
        metadata["labels"][NAME_LABEL] = metadata["name"]
        obj.setdefault("status", {"phase": "Active"})
    if resource.plural in REPLICATED:
        spec = obj.setdefault("spec", {})
        if spec.get("replicas") is None:
            spec["replicas"] = 1


def prepare_update(
    resource: Resource, *, obj: dict[str, Any], old: dict[str, Any], part: str
) -> dict[str, Any]:
    """Merge an update into the stored object: what the client may change through `part`.

    The main resource cannot change status and `/status` cannot change the rest,
    as for every resource with a status subresource.
    """
    if part == "status":
        new = copy.deepcopy(old)
        new["status"] = obj.get("status")
        return new
    obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
    metadata, old_metadata = obj.setdefault("metadata", {}), old["metadata"]
    for field in ("uid", "creationTimestamp", "namespace", "deletionTimestamp"):
        if field in old_metadata:
            metadata[field] = old_metadata[field]
        else:
            metadata.pop(field, None)
    if resource.status:
        obj.pop("status", None)
        if "status" in old:
            obj["status"] = copy.deepcopy(old["status"])
    apply_defaults(resource, obj)
    changed = {k: v for k, v in obj.items() if k not in {"metadata", "status"}} != {
        k: v for k, v in old.items() if k not in {"metadata", "status"}
    }
    metadata["generation"] = old_metadata.get("generation", 1) + (1 if changed else 0)
    return obj
