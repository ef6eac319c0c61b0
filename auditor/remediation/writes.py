"""The two writes remediation makes: scale to zero (or suspend), and delete.

Each carries the uid and resourceVersion just read as preconditions, so the
write fails rather than touch an object that changed after it was judged;
deletes propagate in the background; dry-run sends the same request with
`dryRun=All`, so the API validates it and changes nothing.
"""

from typing import Any

from tiergate.config import Remediation
from tiergate_edge.kube_api import KubeApi

MERGE_PATCH = "application/merge-patch+json"


def already_done(document: dict[str, Any], *, action: Remediation) -> str | None:
    """Why a scale would change nothing (already at zero, already suspended), or None."""
    spec = document.get("spec") or {}
    if action != Remediation.SCALE:
        return None
    if document.get("kind") == "CronJob":
        return "already suspended" if spec.get("suspend") is True else None
    return "already scaled to zero" if spec.get("replicas") == 0 else None


def _scale_patch(document: dict[str, Any]) -> dict[str, Any]:
    spec = {"suspend": True} if document.get("kind") == "CronJob" else {"replicas": 0}
    metadata = document["metadata"]
    # uid and resourceVersion in a patch are preconditions: a mismatch is 409 Conflict.
    preconditions = {"uid": metadata["uid"], "resourceVersion": metadata["resourceVersion"]}
    return {"metadata": preconditions, "spec": spec}


async def write(
    api: KubeApi, *, path: str, document: dict[str, Any], action: Remediation, dry_run: bool
) -> None:
    """Scale or delete the object at `path`, as `document` (just read) describes it."""
    params = {"dryRun": "All"} if dry_run else None
    if action == Remediation.SCALE:
        await api.request(
            "PATCH", path, params=params, body=_scale_patch(document), content_type=MERGE_PATCH
        )
        return
    metadata = document["metadata"]
    options = {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": "Background",
        "preconditions": {"uid": metadata["uid"], "resourceVersion": metadata["resourceVersion"]},
    }
    await api.request("DELETE", path, params=params, body=options, content_type="application/json")
