"""Validating admission: the webhooks a write meets, called as kube-apiserver calls them.

The dispatcher of `plugin/webhook/validating/dispatcher.go` in small: match every
stored ValidatingWebhookConfiguration's hooks, call the matching ones in parallel,
fail or ignore call failures by failurePolicy, and collect their warnings.
"""

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi import admission_review, conditions, webhook_calls
from tests.fakeapi.resources import Resource
from tests.fakeapi.status import (
    ApiError,
    denied_by_webhook,
    dry_run_unsupported,
    forbidden_by_conditions,
    internal_error,
)
from tests.fakeapi.store import Store
from tests.fakeapi.webhooks import Attributes, Hook, hooks_of

# Every request is the kubeconfig's user: kubectl sends no token over plain HTTP.
USER_INFO: dict[str, Any] = {
    "username": "tester",
    "groups": ["system:masters", "system:authenticated"],
}
SIDE_EFFECT_FREE = frozenset({"None", "NoneOnDryRun"})


@dataclass
class Outcome:
    """Warnings go back on the response whether or not the request was refused."""

    warnings: list[str] = field(default_factory=list)
    error: ApiError | None = None


@dataclass(frozen=True)
class SentReview:
    """A review the fake sent to a webhook, for tests that assert what was (not) judged."""

    hook: str
    review: dict[str, Any]


async def admit(
    attributes: Attributes,
    *,
    store: Store,
    services: webhook_calls.Services,
    sent: list[SentReview],
) -> Outcome:
    """Run validating admission for one object; the first error refuses the request."""
    if attributes.exempt:
        return Outcome()
    invocations: list[Hook] = []
    for hook in _hooks(store):
        if not _matches(hook, attributes=attributes, store=store):
            continue
        if hook.match_conditions:
            result = conditions.evaluate(hook.match_conditions, variables=_variables(attributes))
            if not result.matches:
                continue
            if result.errors:
                if hook.failure_policy == "Fail":
                    return Outcome(
                        error=forbidden_by_conditions(
                            attributes.resource,
                            name=attributes.name,
                            cause=conditions.aggregate(result.errors),
                        )
                    )
                continue
        invocations.append(hook)
    results = await asyncio.gather(
        *(_call(hook, attributes=attributes, services=services, sent=sent) for hook in invocations)
    )
    outcome = Outcome()
    for warnings, error in results:
        outcome.warnings.extend(warnings)
        if error is not None and outcome.error is None:
            outcome.error = error
    return outcome


def _hooks(store: Store) -> list[Hook]:
    resource = store.catalog.find(
        "admissionregistration.k8s.io", version="v1", plural="validatingwebhookconfigurations"
    )
    if resource is None:
        return []
    configurations = store.list(resource, namespace=None).items
    return [hook for configuration in configurations for hook in hooks_of(configuration)]


def _matches(hook: Hook, *, attributes: Attributes, store: Store) -> bool:
    if not hook.matches_rules(attributes):
        return False
    labels: dict[str, str] | None = None
    if attributes.namespace and attributes.resource.plural != "namespaces":
        labels = _namespace_labels(store, name=attributes.namespace)
    return hook.matches_namespace(attributes, namespace_labels=labels) and hook.matches_object(
        attributes
    )


def _namespace_labels(store: Store, *, name: str) -> dict[str, str]:
    namespaces = store.catalog.find("", version="v1", plural="namespaces")
    assert isinstance(namespaces, Resource), "the catalog always serves namespaces"
    try:
        found = store.get(namespaces, namespace=None, name=name)
    except ApiError:
        return {}
    return dict(found["metadata"].get("labels") or {})


def _variables(attributes: Attributes) -> dict[str, Any]:
    """`object`, `oldObject` and `request` as CEL sees them (authorizer is not offered)."""
    review = admission_review.request_body(attributes, uid="", user_info=USER_INFO)
    return {
        "object": attributes.obj,
        "oldObject": attributes.old,
        "request": {k: v for k, v in review["request"].items() if k not in {"object", "oldObject"}},
    }


async def _call(
    hook: Hook,
    *,
    attributes: Attributes,
    services: webhook_calls.Services,
    sent: list[SentReview],
) -> tuple[list[str], ApiError | None]:
    """One hook: (its warnings, the error it refuses with or None), as `callHook`."""
    if attributes.dry_run and hook.side_effects not in SIDE_EFFECT_FREE:
        if hook.side_effects is None:
            return [], _failed(hook, reason="Webhook SideEffects is nil")
        return [], dry_run_unsupported(hook.name)
    uid = admission_review.new_uid()
    body = admission_review.request_body(attributes, uid=uid, user_info=USER_INFO)
    sent.append(SentReview(hook.name, copy.deepcopy(body)))
    try:
        answer = await webhook_calls.post(hook, body=body, services=services)
    except webhook_calls.CallFailedError as error:
        return [], _failed(hook, reason=f"failed to call webhook: {error}")
    try:
        verdict = admission_review.verdict_of(answer, uid=uid)
    except admission_review.InvalidResponseError as error:
        return [], _failed(hook, reason=f"received invalid webhook response: {error}")
    if verdict.allowed:
        return list(verdict.warnings), None
    return list(verdict.warnings), denied_by_webhook(hook.name, status=verdict.status)


def _failed(hook: Hook, *, reason: str) -> ApiError | None:
    """An ErrCallingWebhook: a 500 under failurePolicy Fail, nothing under Ignore."""
    if hook.failure_policy == "Ignore":
        return None
    return internal_error(f'failed calling webhook "{hook.name}": {reason}')
