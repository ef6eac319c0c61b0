"""Server-side printing: the `Table` kubectl asks for when it prints columns.

Without it kubectl prints NAME and AGE on its own; with it `kubectl get ns` shows
what a cluster shows (a namespace's STATUS), which end-to-end tests may read.
"""

from datetime import UTC, datetime
from typing import Any

from tests.fakeapi.resources import Resource

NAME = {
    "name": "Name",
    "type": "string",
    "format": "name",
    "priority": 0,
    "description": "Name must be unique within a namespace.",
}
AGE = {
    "name": "Age",
    "type": "string",
    "format": "",
    "priority": 0,
    "description": "CreationTimestamp is the time this object was created.",
}
STATUS = {
    "name": "Status",
    "type": "string",
    "format": "",
    "priority": 0,
    "description": "The status of the namespace",
}


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def table(
    resource: Resource, *, objects: list[dict[str, Any]], metadata: dict[str, Any], full: bool
) -> dict[str, Any]:
    """The objects as a meta.k8s.io/v1 Table; rows carry metadata, or the object if `full`."""
    columns = [NAME, STATUS, AGE] if resource.plural == "namespaces" else [NAME, AGE]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": [_row(resource, obj=obj, columns=columns, full=full) for obj in objects],
    }


def _row(
    resource: Resource, *, obj: dict[str, Any], columns: list[dict[str, Any]], full: bool
) -> dict[str, Any]:
    cells = {
        "Name": obj["metadata"]["name"],
        "Status": (obj.get("status") or {}).get("phase", ""),
        "Age": _age(obj["metadata"].get("creationTimestamp")),
    }
    shown = obj | {"kind": resource.kind, "apiVersion": resource.api_version}
    if not full:
        shown = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj["metadata"],
        }
    return {"cells": [cells[column["name"]] for column in columns], "object": shown}


def _age(timestamp: str | None) -> str:
    if not timestamp:
        return "<unknown>"
    created = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return human_duration(int((datetime.now(UTC) - created).total_seconds()))


def human_duration(seconds: int) -> str:
    """apimachinery's HumanDuration: the precision kubectl's AGE column shows."""
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    steps = (
        (minutes < 10, minutes, "m", seconds % 60, "s"),
        (minutes < 180, minutes, "m", 0, ""),
        (hours < 8, hours, "h", minutes % 60, "m"),
        (hours < 48, hours, "h", 0, ""),
        (hours < 192, days, "d", hours % 24, "h"),
        (hours < 24 * 365 * 2, days, "d", 0, ""),
        (hours < 24 * 365 * 8, days // 365, "y", days % 365, "d"),
    )
    for applies, value, unit, rest, rest_unit in steps:
        if applies:
            return f"{value}{unit}{rest}{rest_unit}" if rest else f"{value}{unit}"
    return f"{days // 365}y"
