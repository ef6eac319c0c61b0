"""What every remediation leaves behind: a Kubernetes Event on the object and a JSON log line.

Tenants see the Event next to their object (`kubectl describe`); operators see
the log line. For a Helm-managed object both say which values to change, or the
next `helm upgrade` brings it back (and the webhook would deny it).
"""

import logging
from datetime import datetime
from typing import Any

from tiergate.remediation_report import Action
from tiergate_edge.kube_api import ApiError, KubeApi

REPORTING_CONTROLLER = "tiergate.io/auditor"
_log = logging.getLogger("auditor.remediation")


def note_of(action: Action) -> str:
    verb = "scaled to zero" if action.action == "scale" else "deleted"
    note = f"tiergate {verb} this {action.kind}: {action.reason}"
    if action.helm_release and action.fix_hint:
        note += f". Helm release {action.helm_release}: {action.fix_hint}, then helm upgrade"
    return note[:1024]  # the API's limit for an Event's note


def _event(action: Action, *, document: dict[str, Any], identity: str, now: datetime) -> Any:
    metadata = document["metadata"]
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"generateName": f"{action.name}.", "namespace": action.namespace},
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reportingController": REPORTING_CONTROLLER,
        "reportingInstance": identity[:128],
        "action": "Scale" if action.action == "scale" else "Delete",
        "reason": "TiergateRemediated",
        "type": "Warning",
        "note": note_of(action),
        "regarding": {
            "apiVersion": document.get("apiVersion"),
            "kind": action.kind,
            "namespace": action.namespace,
            "name": action.name,
            "uid": metadata.get("uid"),
            "resourceVersion": metadata.get("resourceVersion"),
        },
    }


async def post_event(
    api: KubeApi, *, action: Action, document: dict[str, Any], identity: str, now: datetime
) -> None:
    """The Event on the object; a refused Event is logged, never fails the remediation."""
    path = f"/apis/events.k8s.io/v1/namespaces/{action.namespace}/events"
    body = _event(action, document=document, identity=identity, now=now)
    try:
        await api.request("POST", path, body=body, content_type="application/json")
    except ApiError as error:
        _log.warning(
            "remediation event not recorded",
            extra={"namespace": action.namespace, "object": action.name, "error": str(error)},
        )


def log_action(action: Action, *, mode: str) -> None:
    _log.info(
        "remediation",
        extra={
            "mode": mode,
            "rule": action.rule,
            "action": action.action,
            "result": action.result.value,
            "namespace": action.namespace,
            "kind": action.kind,
            "object": action.name,
            "uid": action.uid,
            "reason": action.reason,
            "helmRelease": action.helm_release,
        },
    )
