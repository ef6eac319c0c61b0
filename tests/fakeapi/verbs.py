"""The verbs on objects (get, list, create, update, patch, delete) and on `/scale`.

Each takes a parsed request and answers the API's body and code; watching streams
and lives apart. Requests are checked as the API checks them, before any write.
"""

import copy
from dataclasses import dataclass
from typing import Any

from tests.fakeapi import patches, tables
from tests.fakeapi.routing import Target
from tests.fakeapi.selectors import selection
from tests.fakeapi.status import ApiError, bad_request, method_not_allowed, no_such_path
from tests.fakeapi.store import Obj, Store

Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request for objects, its body already decoded."""

    store: Store
    target: Target
    verb: str
    query: dict[str, str]
    content_type: str
    body: Any
    accept: str = "application/json"

    @property
    def dry_run(self) -> bool:
        values = [self.query.get("dryRun", "")]
        if self.verb == "delete" and isinstance(self.body, dict):
            values += self.body.get("dryRun") or []
        if any(value not in {"", "All"} for value in values):
            raise bad_request(f'Unsupported value: "{values}": supported values: "All"')
        return "All" in values


def answer(call: Call) -> Answer:
    """Dispatch a non-watch request on objects to its verb."""
    target = call.target
    if target.resource.namespaced and target.name and target.namespace is None:
        raise no_such_path()
    if target.subresource not in {None, "status", "scale"} or (
        target.subresource == "scale" and not target.resource.scalable
    ):
        raise no_such_path()
    handler = {
        "get": _get,
        "list": _list,
        "create": _create,
        "update": _update,
        "patch": _patch,
        "delete": _delete,
        "deletecollection": _delete_collection,
    }.get(call.verb)
    if handler is None or (target.subresource and call.verb not in {"get", "update", "patch"}):
        raise method_not_allowed()
    return handler(call)


def _name(call: Call) -> str:
    assert call.target.name is not None, "routing gives every object verb a name"
    return call.target.name


def _get(call: Call) -> Answer:
    obj = call.store.get(call.target.resource, namespace=call.target.namespace, name=_name(call))
    if call.target.subresource == "scale":
        return 200, scale_of(obj)
    if tables.wants_table(call.accept):
        return 200, _table(call, objects=[obj], metadata={})
    return 200, obj


def _table(call: Call, *, objects: list[Obj], metadata: dict[str, Any]) -> Obj:
    full = call.query.get("includeObject") == "Object"
    return tables.table(call.target.resource, objects=objects, metadata=metadata, full=full)


def _list(call: Call) -> Answer:
    resource = call.target.resource
    try:
        limit = int(call.query.get("limit") or 0)
    except ValueError:
        raise bad_request(f"invalid limit: {call.query['limit']!r}") from None
    page = call.store.list(
        resource,
        namespace=call.target.namespace,
        where=selection(call.query, plural=resource.plural),
        limit=limit,
        continue_token=call.query.get("continue", ""),
    )
    metadata: dict[str, Any] = {"resourceVersion": str(page.rv)}
    if page.continue_token:
        metadata["continue"] = page.continue_token
        if not call.query.get("labelSelector") and not call.query.get("fieldSelector"):
            metadata["remainingItemCount"] = page.remaining
    if call.verb == "list" and tables.wants_table(call.accept):
        return 200, _table(call, objects=page.items, metadata=metadata)
    items = page.items
    if not resource.custom:
        # Built-in types come back bare; clients copy kind and apiVersion from the List.
        items = [
            {k: v for k, v in item.items() if k not in {"kind", "apiVersion"}} for item in items
        ]
    body = {
        "kind": f"{resource.kind}List",
        "apiVersion": resource.api_version,
        "metadata": metadata,
        "items": items,
    }
    return 200, body


def _body(call: Call) -> Obj:
    if not isinstance(call.body, dict):
        raise bad_request("the body of the request is not a JSON object")
    return copy.deepcopy(call.body)


def _create(call: Call) -> Answer:
    if call.target.name:
        raise method_not_allowed()
    obj = _checked(call, obj=_body(call))
    created = call.store.create(
        call.target.resource, obj=obj, namespace=call.target.namespace, dry_run=call.dry_run
    )
    return 201, created


def _checked(call: Call, *, obj: Obj) -> Obj:
    resource = call.target.resource
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if api_version not in {None, resource.api_version} or kind not in {None, resource.kind}:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({resource.api_version})"
        )
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) and metadata is not None:
        raise bad_request("metadata must be an object")
    return obj


def _update(call: Call) -> Answer:
    if call.target.subresource == "scale":
        return _write_scale(call, scale=_body(call))
    obj = _checked(call, obj=_body(call))
    name = (obj.get("metadata") or {}).get("name")
    if name != call.target.name:
        raise bad_request(
            f"the name of the object ({name}) does not match the name on the URL "
            f"({call.target.name})"
        )
    return 200, _store_update(call, obj=obj)


def _store_update(call: Call, *, obj: Obj) -> Obj:
    return call.store.update(
        call.target.resource,
        obj=obj,
        namespace=call.target.namespace,
        name=_name(call),
        part="status" if call.target.subresource == "status" else "main",
        dry_run=call.dry_run,
    )


def _patch(call: Call) -> Answer:
    resource, namespace = call.target.resource, call.target.namespace
    try:
        old = call.store.get(resource, namespace=namespace, name=_name(call))
    except ApiError as error:
        if error.code != 404 or call.content_type != patches.APPLY or call.target.subresource:
            raise
        # Server-side apply creates what does not exist yet.
        applied = _checked(call, obj=_body(call))
        applied.setdefault("metadata", {})["name"] = _name(call)
        return 201, call.store.create(
            resource, obj=applied, namespace=namespace, dry_run=call.dry_run
        )
    if call.target.subresource == "scale":
        return _write_scale(
            call,
            scale=patches.apply_patch(
                scale_of(old), content_type=call.content_type, body=call.body
            ),
        )
    patched = patches.apply_patch(old, content_type=call.content_type, body=call.body)
    return 200, _store_update(call, obj=_checked(call, obj=patched))


def _delete(call: Call) -> Answer:
    options = call.body if isinstance(call.body, dict) else {}
    deleted = call.store.delete(
        call.target.resource,
        namespace=call.target.namespace,
        name=_name(call),
        preconditions=options.get("preconditions"),
        propagation=call.query.get("propagationPolicy")
        or options.get("propagationPolicy")
        or "Background",
        dry_run=call.dry_run,
    )
    return 200, deleted


def _delete_collection(call: Call) -> Answer:
    _, listed = _list(call)
    for item in listed["items"]:
        call.store.delete(
            call.target.resource,
            namespace=item["metadata"].get("namespace"),
            name=item["metadata"]["name"],
            dry_run=call.dry_run,
        )
    return 200, listed


def scale_of(obj: Obj) -> Obj:
    """The autoscaling/v1 Scale view of a replicated workload."""
    metadata, spec = obj["metadata"], obj.get("spec") or {}
    selector = spec.get("selector") or {}
    labels = selector.get("matchLabels", {}) if "matchLabels" in selector else selector
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: metadata[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in metadata
        },
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


def _write_scale(call: Call, *, scale: Any) -> Answer:
    resource, namespace = call.target.resource, call.target.namespace
    if not isinstance(scale, dict) or not isinstance(scale.get("spec"), dict):
        raise bad_request("the body of the request is not a Scale")
    replicas = scale["spec"].get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise bad_request(f"spec.replicas: Invalid value: {replicas!r}: must be >= 0")
    obj = call.store.get(resource, namespace=namespace, name=_name(call))
    given = (scale.get("metadata") or {}).get("resourceVersion")
    if given:
        obj["metadata"]["resourceVersion"] = given
    obj["spec"]["replicas"] = replicas
    updated = call.store.update(
        resource, obj=obj, namespace=namespace, name=_name(call), dry_run=call.dry_run
    )
    return 200, scale_of(updated)
