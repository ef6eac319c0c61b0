"""The fake API server's state: objects by resource, one global resourceVersion, history.

Tests write to it from their own thread while the server reads it from its loop,
so every operation holds one lock and hands out copies, never the stored dicts.
"""

import copy
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.fakeapi import objects, paging
from tests.fakeapi.resources import Catalog, Resource
from tests.fakeapi.status import already_exists, conflict, expired, not_found, stale

Obj = dict[str, Any]


@dataclass(frozen=True)
class Event:
    """One write as a watch reports it; `old` lets a selector see objects leave it."""

    type: str
    resource: Resource
    obj: Obj
    old: Obj | None
    rv: int


@dataclass(frozen=True)
class Page:
    items: list[Obj]
    rv: int
    continue_token: str
    remaining: int


Subscriber = Callable[[Event], None]


class Store:
    """All objects, written only through methods that keep resourceVersion and history."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.RLock()
        self._objects: dict[Resource, dict[tuple[str, str], Obj]] = {}
        self._rv = 1000
        self._history: list[Event] = []
        self._oldest_rv = 0
        self._epoch = 0
        self._subscribers: list[Subscriber] = []

    @property
    def resource_version(self) -> int:
        with self._lock:
            return self._rv

    def _bucket(self, resource: Resource) -> dict[tuple[str, str], Obj]:
        return self._objects.setdefault(resource, {})

    def _namespaces(self) -> Resource:
        found = self.catalog.find("", version="v1", plural="namespaces")
        assert found is not None, "the catalog always serves namespaces"
        return found

    def _record(self, kind: str, *, resource: Resource, obj: Obj, old: Obj | None) -> Obj:
        """Give the write the next resourceVersion, keep it, tell the watchers."""
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        bucket = self._bucket(resource)
        if kind == "DELETED":
            bucket.pop(objects.key(obj), None)
        else:
            bucket[objects.key(obj)] = obj
        event = Event(kind, resource, copy.deepcopy(obj), copy.deepcopy(old), self._rv)
        self._history.append(event)
        for subscriber in list(self._subscribers):
            subscriber(event)
        return copy.deepcopy(obj)

    def get(self, resource: Resource, *, namespace: str | None, name: str) -> Obj:
        with self._lock:
            found = self._bucket(resource).get((namespace or "", name))
            if found is None:
                raise not_found(resource, name=name)
            return copy.deepcopy(found)

    def list(
        self,
        resource: Resource,
        *,
        namespace: str | None,
        where: Callable[[Obj], bool] = lambda _: True,
        limit: int = 0,
        continue_token: str = "",
    ) -> Page:
        """One page of matching objects in key order, and the token for the next."""
        with self._lock:
            rv, start = self._rv, ("", "")
            if continue_token:
                position = paging.decode(
                    continue_token, epoch=self._epoch, oldest_rv=self._oldest_rv
                )
                rv = self._rv if position.rv < 0 else position.rv
                start = position.start
            candidates = [
                obj
                for k, obj in sorted(self._state_at(resource, rv).items())
                if (namespace is None or k[0] == namespace) and (not continue_token or k > start)
            ]
            matching = [copy.deepcopy(obj) for obj in candidates if where(obj)]
            if limit <= 0 or len(matching) <= limit:
                return Page(matching, rv, "", 0)
            page = matching[:limit]
            token = paging.encode(paging.Position(rv, objects.key(page[-1]), self._epoch))
            return Page(page, rv, token, len(matching) - limit)

    def _state_at(self, resource: Resource, rv: int) -> dict[tuple[str, str], Obj]:
        """The objects as they were at `rv`, so every page of a list shows one moment,
        as etcd serves continued lists from the first page's revision."""
        state = dict(self._bucket(resource))
        for event in reversed(self._history):
            if event.rv <= rv:
                break
            if event.resource != resource:
                continue
            if event.type == "ADDED":
                state.pop(objects.key(event.obj), None)
            elif event.old is not None:
                state[objects.key(event.old)] = event.old
        return state

    def create(
        self, resource: Resource, *, obj: Obj, namespace: str | None, dry_run: bool = False
    ) -> Obj:
        with self._lock:
            obj = objects.prepare_create(resource, obj=obj, namespace=namespace)
            if resource.namespaced:
                namespace = obj["metadata"]["namespace"]
                if (("", namespace)) not in self._bucket(self._namespaces()):
                    raise not_found(self._namespaces(), name=namespace)
            if objects.key(obj) in self._bucket(resource):
                raise already_exists(resource, name=obj["metadata"]["name"])
            if dry_run:
                return obj
            return self._record("ADDED", resource=resource, obj=obj, old=None)

    def update(
        self,
        resource: Resource,
        *,
        obj: Obj,
        namespace: str | None,
        name: str,
        part: str = "main",
        dry_run: bool = False,
    ) -> Obj:
        """Replace an object; a resourceVersion in the body must be the stored one."""
        with self._lock:
            old = self.get(resource, namespace=namespace, name=name)
            given = (obj.get("metadata") or {}).get("resourceVersion")
            if given and given != old["metadata"]["resourceVersion"]:
                raise stale(resource, name=name)
            # A uid in the body (a patch's or an update's) is a precondition, as on the API.
            self._check_preconditions(
                resource, old=old, wanted={"uid": (obj.get("metadata") or {}).get("uid")}
            )
            new = objects.prepare_update(resource, obj=obj, old=old, part=part)
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if new == old or dry_run:
                return new
            if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
                deleted = self._record("DELETED", resource=resource, obj=new, old=old)
                self._delete_dependents(resource, deleted, propagation="Background")
                return deleted
            return self._record("MODIFIED", resource=resource, obj=new, old=old)

    def delete(
        self,
        resource: Resource,
        *,
        namespace: str | None,
        name: str,
        preconditions: dict[str, Any] | None = None,
        propagation: str = "Background",
        dry_run: bool = False,
    ) -> Obj:
        """Delete now, or mark as deleting while finalizers remain; dependents follow."""
        with self._lock:
            old = self.get(resource, namespace=namespace, name=name)
            self._check_preconditions(resource, old=old, wanted=preconditions or {})
            if dry_run:
                return old
            if old["metadata"].get("finalizers"):
                new = copy.deepcopy(old)
                new["metadata"].setdefault("deletionTimestamp", objects.now())
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                return self._record("MODIFIED", resource=resource, obj=new, old=old)
            deleted = self._record("DELETED", resource=resource, obj=copy.deepcopy(old), old=old)
            self._delete_dependents(resource, deleted, propagation=propagation)
            return deleted

    def _check_preconditions(self, resource: Resource, *, old: Obj, wanted: dict[str, Any]) -> None:
        name, metadata = old["metadata"]["name"], old["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            if wanted.get(field) and wanted[field] != metadata.get(field):
                raise conflict(
                    resource,
                    name=name,
                    why=f"Precondition failed: {label} in precondition: {wanted[field]}, "
                    f"{label} in object meta: {metadata.get(field)}",
                )

    def _delete_dependents(self, resource: Resource, deleted: Obj, *, propagation: str) -> None:
        """What the garbage collector and namespace controller would do, done at once."""
        uid, name = deleted["metadata"]["uid"], deleted["metadata"]["name"]
        for other, obj in list(self._all()):
            metadata = obj["metadata"]
            owned = any(ref.get("uid") == uid for ref in metadata.get("ownerReferences") or [])
            in_namespace = resource.plural == "namespaces" and metadata.get("namespace") == name
            if in_namespace or (owned and propagation != "Orphan"):
                self.delete(other, namespace=metadata.get("namespace"), name=metadata["name"])
            elif owned:
                orphan = copy.deepcopy(obj)
                orphan["metadata"]["ownerReferences"] = [
                    ref for ref in metadata["ownerReferences"] if ref.get("uid") != uid
                ]
                self._record("MODIFIED", resource=other, obj=orphan, old=obj)

    def _all(self) -> Iterator[tuple[Resource, Obj]]:
        for resource, bucket in list(self._objects.items()):
            for obj in list(bucket.values()):
                yield resource, obj

    def put(self, resource: Resource, *, obj: Obj) -> Obj:
        """Store an object as given (a seed): keeps uid and timestamps, takes a new version."""
        with self._lock:
            obj = copy.deepcopy(obj)
            obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
            metadata = obj.setdefault("metadata", {})
            metadata.setdefault("uid", str(uuid.uuid4()))
            metadata.setdefault("creationTimestamp", objects.now())
            metadata.setdefault("generation", 1)
            if resource.namespaced:
                metadata.setdefault("namespace", "default")
            objects.apply_defaults(resource, obj)
            old = self._bucket(resource).get(objects.key(obj))
            return self._record("MODIFIED" if old else "ADDED", resource=resource, obj=obj, old=old)

    def watch(
        self, resource: Resource, *, since: int | None, subscriber: Subscriber
    ) -> tuple[int, Callable[[], None]]:
        """Replay the events after `since` (or ADDED for all there is, when None) and
        subscribe, atomically; returns the version replayed to and an unsubscribe."""
        with self._lock:
            if since is None:
                for obj in sorted(self._bucket(resource).values(), key=objects.key):
                    rv = int(obj["metadata"]["resourceVersion"])
                    subscriber(Event("ADDED", resource, copy.deepcopy(obj), None, rv))
            elif since < self._oldest_rv:
                raise expired(f"too old resource version: {since} ({self._oldest_rv})")
            else:
                for event in self._history:
                    if event.rv > since and event.resource == resource:
                        subscriber(event)

            # A watch sees its own resource only: a Lease renewal is no Namespace event.
            def filtered(event: Event) -> None:
                if event.resource == resource:
                    subscriber(event)

            self._subscribers.append(filtered)
            current = self._rv

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.remove(filtered)

        return current, unsubscribe

    def compact(self) -> None:
        """Forget history, so watches from an older resourceVersion get 410 Gone."""
        with self._lock:
            self._history.clear()
            self._oldest_rv = self._rv

    def expire_continue_tokens(self) -> None:
        """Every continue token handed out so far answers 410 Expired from now on."""
        with self._lock:
            self._epoch += 1
