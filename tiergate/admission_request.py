"""What admission reads of a review, and what it can tell from the request alone.

The webhook validates an AdmissionReview into a ReviewRequest; a candidate that needs
its namespace's labels waits as a Pending. Which requests pass without a lookup, and
which updates make things worse, depend on no rule: the rules apply in tiergate.admission.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tiergate.objects import KubeObject
from tiergate.ownership import has_builtin_controller

# Only kube-controller-manager may create what a built-in controller owns (DESIGN.md).
# RE2-safe: the admission policy renders the same pattern into CEL.
CONTROLLER_USERNAMES = (
    r"system:kube-controller-manager|system:serviceaccount:kube-system:[a-z0-9-]+-controller"
)
_CONTROLLER_USERS = re.compile(CONTROLLER_USERNAMES)


# Slots, here and in the other values made for every review: quicker to build.
@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """What admission reads of an AdmissionReview's request (the webhook validates it).

    `kind` and `group` are the object's (a Scale for `*/scale`), `resource` and
    `resource_group` the resource the request is made to (`deployments`, `apps`).
    """

    operation: str
    kind: str
    group: str = ""
    resource: str = ""
    resource_group: str = ""
    sub_resource: str = ""
    name: str = ""
    namespace: str | None = None
    username: str = ""
    object: Mapping[str, Any] | None = None
    old_object: Mapping[str, Any] | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class Pending:
    """A candidate: judged once the labels of `namespace` are known (or known to be unknown).

    `old` is the old object's view when it is already known (a Scale's); otherwise
    the old object is read only if the verdict needs it (a violation), since most
    updates are allowed whatever the old object was.
    """

    request: ReviewRequest
    namespace: str
    new: KubeObject
    old: KubeObject | None = None
    old_read: bool = False


def is_controller_manager(username: str) -> bool:
    return _CONTROLLER_USERS.fullmatch(username) is not None


def _being_deleted(raw: Mapping[str, Any] | None) -> bool:
    metadata = raw.get("metadata") if raw is not None else None
    return isinstance(metadata, Mapping) and bool(metadata.get("deletionTimestamp"))


def passed_over(request: ReviewRequest, *, new: KubeObject | None) -> str | None:
    """Why a request is allowed without looking its namespace up, or None to judge it."""
    if new is None:
        return "not a candidate (now)"
    if _being_deleted(request.object) or _being_deleted(request.old_object):
        return "being deleted"
    if has_builtin_controller(new) and is_controller_manager(request.username):
        return "created by its controller, judged through its owner"
    if not (request.namespace or new.namespace):
        return "names no namespace"
    return None


def what_makes_it_worse(
    request: ReviewRequest, *, new: KubeObject, old: KubeObject | None, was: bool
) -> str | None:
    """Why this request makes things worse (text to add to the message), or None if it does not.

    `was`: whether the old object was the rule's component.
    """
    if request.operation == "CREATE":
        return ""
    if old is None or not was:
        return " (this update makes it the component)"
    if new.desired_pods > old.desired_pods:
        pods = f"{old.desired_pods} to {new.desired_pods}"
        return f" (this update raises its desired pods from {pods})"
    return None
