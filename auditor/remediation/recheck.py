"""Right before a write: read the namespace and the exact object again, and judge them
again through the core's own Decider, never a second copy of the rule.

An object that is not itself the component now (a Deployment whose current
template no longer runs it, whatever its old ReplicaSets run), one run by a
controller, one that also runs the rule's expected companion (the broker), a
namespace that allows it now, another object under the same name, or one already
going: all are left alone. An exemption's expiry is judged on the API server's
clock: with that time unknown, nothing is written.
"""

from dataclasses import dataclass
from typing import Any

from auditor.remediation.stacks import Target
from tiergate.classification import runs_expected
from tiergate.decision import Decider
from tiergate.kinds import JudgedKind, kind_named
from tiergate.reading import ObjectError, parse_object
from tiergate_edge.kube_api import KubeApi, NotFoundError
from tiergate_edge.listing import object_path


@dataclass(frozen=True)
class Current:
    """The object as read just now (`document`), or why it must be left alone (`skip`)."""

    document: dict[str, Any] | None = None
    skip: str | None = None
    path: str = ""


def target_path(target: Target) -> tuple[JudgedKind, str]:
    entry = kind_named(target.kind)
    if entry is None:
        raise ValueError(f"{target.kind} is not a judged kind")  # the plan holds only those
    path = object_path(
        group=entry.group,
        version=entry.version,
        plural=entry.plural,
        namespace=target.namespace,
        name=target.name,
    )
    return entry, path


def _controller(metadata: dict[str, Any]) -> str | None:
    """`Kind name` of the object's controller owner reference, or None."""
    references = metadata.get("ownerReferences")
    for ref in references if isinstance(references, list) else []:
        if isinstance(ref, dict) and ref.get("controller") is True:
            return f"{ref.get('kind')} {ref.get('name')}"
    return None


async def read_again(  # noqa: PLR0911 - one early answer per reason to leave it alone
    api: KubeApi,
    *,
    target: Target,
    decider: Decider,
) -> Current:
    """The target as it is now, if it still violates its rule; API errors propagate."""
    entry, path = target_path(target)
    try:
        namespace = await api.request("GET", f"/api/v1/namespaces/{target.namespace}")
    except NotFoundError:
        return Current(skip=f"namespace {target.namespace} is gone", path=path)
    ns_meta = namespace.get("metadata") or {}
    if ns_meta.get("deletionTimestamp"):
        return Current(skip=f"namespace {target.namespace} is being deleted", path=path)
    try:
        document = await api.request("GET", path)
    except NotFoundError:
        return Current(skip="the object is gone", path=path)
    metadata = document.get("metadata") or {}
    if metadata.get("uid") != target.uid:
        return Current(skip="another object has taken its name (uid differs)", path=path)
    if metadata.get("deletionTimestamp"):
        return Current(skip="the object is already being deleted", path=path)
    controller = _controller(metadata)
    if controller is not None:
        # The audit names the owners it knows in their objects' place; an owner it does
        # not know (an operator's custom resource) would only bring the object back.
        return Current(
            skip=f"controlled by {controller}: only its owner may be acted on, never it",
            path=path,
        )
    now = api.server_time()
    if now is None:  # unreachable after a round has started, which needs the server's time
        return Current(
            skip="the API server's time is unknown: an exemption's expiry cannot be judged",
            path=path,
        )
    document = {**document, "kind": entry.kind, "apiVersion": entry.api_version}
    try:
        view = parse_object(document)
    except ObjectError as error:
        return Current(skip=f"the object can no longer be read: {error}", path=path)
    decisions = (
        []
        if view is None
        else [
            d
            for d in decider.decide(view, namespace_labels=ns_meta.get("labels") or {}, now=now)
            if d.rule.name == target.rule
        ]
    )
    if not decisions:
        return Current(skip=f"the object is no longer {target.rule} itself", path=path)
    decision = decisions[0]
    if decision.match.sidecar or decision.match.role != target.role:
        return Current(skip="the object is no longer the component alone", path=path)
    if view is not None and runs_expected(view, rule=decision.rule):
        # Matched by name or labels, yet it runs the broker: never take the broker down.
        return Current(skip=f"it also runs what {target.rule} expects (the broker)", path=path)
    if not decision.violates:
        why = (
            f"namespace {target.namespace} allows it now"
            if decision.verdict.allowed
            else "it is exempt now"
        )
        return Current(skip=f"judged again: {why}", path=path)
    return Current(document=document, path=path)
