"""Discovery documents as kube-apiserver serves them, built from the catalog.

kubectl resolves `deploy`, `ns` and `deployments/scale` only through these, and
a cluster without the Prometheus Operator must not list its resources here.
"""

from typing import Any

from tests.fakeapi.resources import Catalog

VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-fakeapi",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def document(path: str, *, catalog: Catalog, address: str) -> dict[str, Any] | None:
    """The discovery document at `path`, or None when there is none."""
    parts = [part for part in path.split("/") if part]
    groups = catalog.group_versions()
    fixed: dict[tuple[str, ...], dict[str, Any]] = {
        ("version",): VERSION,
        ("api",): {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
        },
        ("apis",): {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                _group(name, versions=versions) for name, versions in groups.items() if name
            ],
        },
    }
    if tuple(parts) in fixed:
        return fixed[tuple(parts)]
    if parts == ["api", "v1"]:
        return _resource_list(catalog, group="", version="v1")
    if len(parts) == 2 and parts[0] == "apis" and parts[1] in groups and parts[1]:
        return {"kind": "APIGroup", "apiVersion": "v1"} | _group(
            parts[1], versions=groups[parts[1]]
        )
    if len(parts) == 3 and parts[0] == "apis" and parts[2] in groups.get(parts[1], []):
        return _resource_list(catalog, group=parts[1], version=parts[2])
    return None


def _group(name: str, *, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{name}/{version}", "version": version} for version in versions]
    return {"name": name, "versions": listed, "preferredVersion": listed[0]}


def _resource_list(catalog: Catalog, *, group: str, version: str) -> dict[str, Any]:
    resources = [
        entry
        for resource in catalog.in_group_version(group, version=version)
        for entry in resource.discovery_entries()
    ]
    document = {
        "kind": "APIResourceList",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
    return document if not group else {"apiVersion": "v1"} | document
