"""Request paths as the API server reads them: which resource, namespace, name, subresource.

One parser for every handler and the request log, so a fault set for
`deployments/scale` in a namespace matches exactly the requests kubectl scale sends.
"""

from dataclasses import dataclass

from tests.fakeapi.resources import Catalog, Resource

WATCH_VALUES = {"1", "true", "True"}


@dataclass(frozen=True)
class Target:
    """A request for objects of one resource."""

    resource: Resource
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def label(self) -> str:
        """The resource as a fault or a log names it: `deployments`, `deployments/scale`."""
        if self.subresource:
            return f"{self.resource.plural}/{self.subresource}"
        return self.resource.plural


def parse(path: str, *, catalog: Catalog) -> Target | None:
    """The target of a resource path, or None for discovery or an unknown path."""
    parts = [part for part in path.split("/") if part]
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        inner = catalog.find(group, version=version, plural=rest[2])
        if inner is not None and inner.namespaced:
            namespace, rest = rest[1], rest[2:]
    resource = catalog.find(group, version=version, plural=rest[0])
    if resource is None or len(rest) > 3:
        return None
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    return Target(resource, namespace, name, subresource)


def verb(method: str, target: Target | None, *, query: dict[str, str]) -> str:
    """The Kubernetes verb of a request (what RBAC and audit logs call it)."""
    if target is None:
        return "get"
    if method == "GET":
        if target.name:
            return "get"
        return "watch" if query.get("watch") in WATCH_VALUES else "list"
    if method == "DELETE" and not target.name:
        return "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(
        method, method.lower()
    )
