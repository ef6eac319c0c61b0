"""Listing a resource across the cluster in pages, as kube-apiserver serves them.

`limit`/`continue` keep memory bounded by a page, whatever the cluster's size;
the API leaves `kind` and `apiVersion` off a List's items, so they are copied
from the resource's own coordinates. An expired continue token is GoneError:
the caller starts that resource over.

The next page is asked for before a page is handed over, so the API server
prepares it while the caller reads this one: at most two pages are held.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tiergate_edge.kube_api import ApiError, KubeApi


def resource_path(*, group: str, version: str, plural: str, namespace: str | None = None) -> str:
    """The path of a resource, cluster-wide (`/api/v1/pods`, `/apis/apps/v1/deployments`)
    or in one namespace (`/api/v1/namespaces/NAME/pods`)."""
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    return f"{base}/namespaces/{namespace}/{plural}" if namespace else f"{base}/{plural}"


def object_path(*, group: str, version: str, plural: str, namespace: str, name: str) -> str:
    """The path of one namespaced object: `/apis/apps/v1/namespaces/NS/deployments/NAME`."""
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    return f"{base}/namespaces/{namespace}/{plural}/{name}"


async def list_pages(
    api: KubeApi,
    *,
    path: str,
    kind: str,
    api_version: str,
    page_size: int,
    field_selector: str | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """The items of every page, each with its `kind` and `apiVersion` set."""

    def ask(token: str) -> "asyncio.Task[Any]":
        params = {"limit": str(page_size)}
        if field_selector:
            params["fieldSelector"] = field_selector
        if token:
            params["continue"] = token
        return asyncio.create_task(api.request("GET", path, params=params))

    pending = ask("")
    try:
        while True:
            page = await pending
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise ApiError(f"GET {path}: the answer is not a List", code=0)
            for item in items:
                if isinstance(item, dict):
                    item["kind"], item["apiVersion"] = kind, api_version
            metadata = page.get("metadata")
            token = metadata.get("continue", "") if isinstance(metadata, dict) else ""
            if token:
                pending = ask(token)
                await asyncio.sleep(0)  # the request goes out before the caller reads
            yield items
            if not token:
                return
    finally:
        # A page asked for and not taken (the caller stopped, or failed) is called off;
        # if it had already failed, cancelling marks that failure as seen.
        pending.cancel()
