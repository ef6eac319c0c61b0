"""The admission.k8s.io/v1 AdmissionReview the fake sends, and how it reads the answer.

Field by field as `request/admissionreview.go` builds and verifies them, so a webhook
that passes here parses what a real apiserver sends, and a broken answer fails with
the apiserver's own words.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from tests.fakeapi.webhooks import Attributes

API_VERSION = "admission.k8s.io/v1"


class InvalidResponseError(Exception):
    """The webhook answered, but not with a usable v1 AdmissionReview."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    status: dict[str, Any] | None
    warnings: tuple[str, ...]


def request_body(attributes: Attributes, *, uid: str, user_info: dict[str, Any]) -> dict[str, Any]:
    """The review of one webhook call; `uid` is new for every call."""
    resource = attributes.resource
    group, version, kind = attributes.kind
    request: dict[str, Any] = {
        "uid": uid,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {
            "group": resource.group,
            "version": resource.version,
            "resource": resource.plural,
        },
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {
            "group": resource.group,
            "version": resource.version,
            "resource": resource.plural,
        },
        "operation": attributes.operation,
        "userInfo": user_info,
        # Absent objects are written as null, never left out (RawExtension.MarshalJSON).
        "object": attributes.obj,
        "oldObject": attributes.old,
        "dryRun": attributes.dry_run,
        "options": attributes.options,
    }
    if attributes.subresource:
        request["subResource"] = attributes.subresource
        request["requestSubResource"] = attributes.subresource
    if attributes.name:
        request["name"] = attributes.name
    if attributes.namespace:
        request["namespace"] = attributes.namespace
    return {"kind": "AdmissionReview", "apiVersion": API_VERSION, "request": request}


def new_uid() -> str:
    return str(uuid.uuid4())


def verdict_of(review: Any, *, uid: str) -> Verdict:
    """The answer, checked as VerifyAdmissionResponse checks a v1 validating answer."""
    if not isinstance(review, dict):
        raise InvalidResponseError("webhook response was absent")
    response = review.get("response")
    if not isinstance(response, dict):
        raise InvalidResponseError("webhook response was absent")
    if response.get("uid") != uid:
        given_uid = response.get("uid", "")
        raise InvalidResponseError(f'expected response.uid="{uid}", got "{given_uid}"')
    given = _gvk(review)
    if given != "admission.k8s.io/v1, Kind=AdmissionReview":
        raise InvalidResponseError(
            f"expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got {given}"
        )
    if response.get("patch"):
        raise InvalidResponseError("validating webhook may not return response.patch")
    if response.get("patchType") is not None:
        raise InvalidResponseError("validating webhook may not return response.patchType")
    status = response.get("status")
    return Verdict(
        allowed=response.get("allowed") is True,
        status=status if isinstance(status, dict) else None,
        warnings=tuple(str(w) for w in response.get("warnings") or ()),
    )


def _gvk(review: dict[str, Any]) -> str:
    """`schema.GroupVersionKind.String()`: `group/version, Kind=kind`."""
    api_version, kind = str(review.get("apiVersion") or ""), str(review.get("kind") or "")
    group, _, version = api_version.rpartition("/")
    return f"{group}/{version}, Kind={kind}" if group else f"/{version}, Kind={kind}"
