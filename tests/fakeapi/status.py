"""Errors in the API's own `Status` form, worded as kube-apiserver words them.

Clients decide what to do from `reason` and `code` (retry, restart a list, give
up), so tests only mean something when these match the real server's.
"""

from typing import Any

from tests.fakeapi.resources import Resource


class ApiError(Exception):
    """A failed request; the handler turns it into a `Status` response."""

    def __init__(
        self,
        code: int,
        *,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.metadata = metadata or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": self.metadata,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _details(resource: Resource, *, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def _about(code: int, *, reason: str, resource: Resource, name: str, message: str) -> ApiError:
    return ApiError(code, reason=reason, message=message, details=_details(resource, name=name))


def not_found(resource: Resource, *, name: str) -> ApiError:
    message = f'{resource.qualified} "{name}" not found'
    return _about(404, reason="NotFound", resource=resource, name=name, message=message)


def no_such_path() -> ApiError:
    return ApiError(
        404,
        reason="NotFound",
        message="the server could not find the requested resource",
        details={},
    )


def already_exists(resource: Resource, *, name: str) -> ApiError:
    message = f'{resource.qualified} "{name}" already exists'
    return _about(409, reason="AlreadyExists", resource=resource, name=name, message=message)


def conflict(resource: Resource, *, name: str, why: str) -> ApiError:
    message = f'Operation cannot be fulfilled on {resource.qualified} "{name}": {why}'
    return _about(409, reason="Conflict", resource=resource, name=name, message=message)


def stale(resource: Resource, *, name: str) -> ApiError:
    return conflict(
        resource,
        name=name,
        why="the object has been modified; please apply your changes to the latest version "
        "and try again",
    )


def expired(message: str, *, continue_token: str = "") -> ApiError:
    metadata = {"continue": continue_token} if continue_token else {}
    return ApiError(410, reason="Expired", message=message, metadata=metadata)


def bad_request(message: str) -> ApiError:
    return ApiError(400, reason="BadRequest", message=message)


def invalid(resource: Resource, *, name: str, message: str) -> ApiError:
    return ApiError(
        422,
        reason="Invalid",
        message=f'{resource.kind}.{resource.group or "core"} "{name}" is invalid: {message}',
        details=_details(resource, name=name) | {"kind": resource.kind},
    )


def method_not_allowed() -> ApiError:
    return ApiError(
        405,
        reason="MethodNotAllowed",
        message="the server does not allow this method on the requested resource",
        details={},
    )


def unauthorized() -> ApiError:
    return ApiError(401, reason="Unauthorized", message="Unauthorized")


def forbidden(resource: Resource, *, verb: str, namespace: str | None, name: str = "") -> ApiError:
    """RBAC's wording: who may not do what to which resource, and where."""
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    subject = f'{resource.qualified} "{name}"' if name else resource.qualified
    message = (
        f'{subject} is forbidden: User "system:serviceaccount:tiergate:tiergate" '
        f'cannot {verb} resource "{resource.plural}" in API group "{resource.group}" {scope}'
    )
    return ApiError(403, reason="Forbidden", message=message, details=_details(resource, name=name))


def by_code(code: int, *, retry_after: int | None = None) -> ApiError:
    """The error a fault hook answers with, for the codes clients handle specially."""
    headers: dict[str, str] = {}
    details: dict[str, Any] = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
        details["retryAfterSeconds"] = retry_after
    known = {
        429: ("TooManyRequests", "Too many requests, please try again later."),
        500: ("InternalError", "Internal error occurred: injected by the test"),
        503: ("ServiceUnavailable", "The server is currently unable to handle the request"),
        504: ("Timeout", "Timeout: request did not complete within the allotted timeout"),
        410: ("Gone", "The resource is gone"),
    }
    reason, message = known.get(code, ("Unknown", f"injected error {code}"))
    return ApiError(code, reason=reason, message=message, details=details, headers=headers)


def internal_error(cause: str) -> ApiError:
    """`apierrors.NewInternalError`: how a failed webhook call fails the request."""
    return ApiError(
        500,
        reason="InternalError",
        message=f"Internal error occurred: {cause}",
        details={"causes": [{"message": cause}]},
    )


def denied_by_webhook(hook: str, *, status: dict[str, Any] | None) -> ApiError:
    """`webhookerrors.ToStatusErr`: the webhook's own status, its message prefixed."""
    result = dict(status or {})
    denied = f'admission webhook "{hook}" denied the request'
    code = result.get("code")
    code = code if isinstance(code, int) else 0
    if result.get("message"):
        message = f"{denied}: {result['message']}"
    elif result.get("reason"):
        message = f"{denied}: {result['reason']}"
    else:
        message = f"{denied} without explanation"
    return ApiError(
        max(code, 400),
        reason=str(result.get("reason") or ""),
        message=message,
        details=result.get("details"),
        metadata=result.get("metadata"),
    )


def dry_run_unsupported(hook: str) -> ApiError:
    """`webhookerrors.NewDryRunUnsupportedErr`."""
    return bad_request(f'admission webhook "{hook}" does not support dry run')


def forbidden_by_conditions(resource: Resource, *, name: str, cause: str) -> ApiError:
    """`apierrors.NewForbidden` for matchConditions that failed with failurePolicy Fail."""
    subject = f'{resource.qualified} "{name}"' if name else resource.qualified
    return ApiError(
        403,
        reason="Forbidden",
        message=f"{subject} is forbidden: {cause}",
        details=_details(resource, name=name),
    )
