"""What a write asks admission: operation, old and new object, options, for each verb.

The objects a validating webhook sees are the ones the store would write (generated
name, uid, defaults), so they come from the verb itself run as a dry run: one place
decides what an update or a patch makes of an object, for storage and admission alike.
"""

import dataclasses
from typing import Any

from tests.fakeapi import patches, verbs
from tests.fakeapi.status import ApiError
from tests.fakeapi.store import Obj
from tests.fakeapi.webhooks import Attributes

WRITES = frozenset({"create", "update", "patch", "delete", "deletecollection"})
SCALE_KIND = ("autoscaling", "v1", "Scale")


def attributes_of(call: verbs.Call) -> list[Attributes]:
    """One Attributes per object the write touches (deletecollection: each item)."""
    target = call.target
    preview = dataclasses.replace(call, query={**call.query, "dryRun": "All"})
    if call.verb == "deletecollection":
        _, listed = verbs.answer(preview)
        return [
            _attributes(call, operation="DELETE", name="", new=None, old=item)
            for item in listed["items"]
        ]
    old: Obj | None = None
    if call.verb != "create":
        try:
            old = call.store.get(
                target.resource, namespace=target.namespace, name=target.name or ""
            )
        except ApiError as error:
            creates = error.code == 404 and call.content_type == patches.APPLY
            if not creates or target.subresource:
                raise
    if call.verb == "delete":
        assert old is not None, "a delete of a missing object raised NotFound above"
        verbs.answer(preview)  # preconditions fail before admission, as in the registry
        return [_attributes(call, operation="DELETE", name=target.name or "", new=None, old=old)]
    _, new = verbs.answer(preview)
    if old is not None and target.subresource == "scale":
        old = verbs.scale_of(old)
    operation = "CREATE" if old is None else "UPDATE"
    name = (new.get("metadata") or {}).get("name") or target.name or ""
    return [_attributes(call, operation=operation, name=name, new=new, old=old)]


def _attributes(
    call: verbs.Call, *, operation: str, name: str, new: Obj | None, old: Obj | None
) -> Attributes:
    target, resource = call.target, call.target.resource
    some = new if new is not None else old
    namespace = target.namespace or ((some or {}).get("metadata") or {}).get("namespace") or ""
    if resource.plural == "namespaces" and not resource.group:
        namespace = ((some or {}).get("metadata") or {}).get("name") or ""
    kind = (resource.group, resource.version, resource.kind)
    if target.subresource == "scale":
        kind = SCALE_KIND
    return Attributes(
        operation=operation,
        resource=resource,
        subresource=target.subresource or "",
        namespace=namespace if resource.namespaced or resource.plural == "namespaces" else "",
        name=name,
        obj=new,
        old=old,
        dry_run=call.dry_run,
        options=_options(call, operation=operation),
        kind=kind,
    )


def _options(call: verbs.Call, *, operation: str) -> dict[str, Any]:
    """Create/Update/DeleteOptions (meta.k8s.io/v1) as the handlers build them."""
    kind = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}
    options: dict[str, Any] = {"kind": kind[operation], "apiVersion": "meta.k8s.io/v1"}
    if call.dry_run:
        options["dryRun"] = ["All"]
    if operation == "DELETE":
        body = call.body if isinstance(call.body, dict) else {}
        for field in ("gracePeriodSeconds", "preconditions", "propagationPolicy"):
            if field in body:
                options[field] = body[field]
        if "propagationPolicy" in call.query:
            options["propagationPolicy"] = call.query["propagationPolicy"]
    elif call.query.get("fieldManager"):
        options["fieldManager"] = call.query["fieldManager"]
    return options
