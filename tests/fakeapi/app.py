"""The aiohttp application: one handler that logs, authenticates, injects faults, dispatches.

Every request passes the same steps in the same order, so a test's fault and the
request log see exactly what the client sent, discovery included.
"""

import asyncio
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml
from aiohttp import web

from tests.fakeapi import admission, discovery, routing, verbs
from tests.fakeapi.admission_attributes import WRITES, attributes_of
from tests.fakeapi.dates import ServerDate
from tests.fakeapi.faults import INTERESTING_HEADERS, Fault, Faults, RecordedRequest
from tests.fakeapi.patches import APPLY, JSON_PATCH, MERGE, STRATEGIC
from tests.fakeapi.resources import Catalog
from tests.fakeapi.routing import Target
from tests.fakeapi.status import (
    ApiError,
    bad_request,
    by_code,
    forbidden,
    no_such_path,
    unauthorized,
)
from tests.fakeapi.store import Store
from tests.fakeapi.watches import Watches
from tests.fakeapi.webhook_calls import Services


@dataclass
class State:
    """What the handler needs; the server object owns it and tests reach it from there."""

    catalog: Catalog
    store: Store
    faults: Faults
    watches: Watches
    token: str
    services: Services = field(default_factory=Services)
    date: ServerDate = field(default_factory=ServerDate)
    reviews: list[admission.SentReview] = field(default_factory=list)
    address: str = ""


READABLE = frozenset({"application/json", "", APPLY, JSON_PATCH, MERGE, STRATEGIC})
# The warning recorder's budget (`filters/warning.go` truncateAtTotalRunes, truncateItemRunes).
_TOTAL_RUNES, _ITEM_RUNES = 4 * 1024, 256
HANG_UP_POLL_SECONDS = 0.01  # how often a delayed request looks whether its client left
STATE = web.AppKey("state", State)


def make_app(state: State) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STATE] = state
    app.router.add_route("*", "/{tail:.*}", _handle)
    app.on_response_prepare.append(state.date.stamp)

    async def end_watches(_: web.Application) -> None:
        state.watches.stop_all()

    app.on_shutdown.append(end_watches)
    return app


async def _handle(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    query = dict(request.query)
    target = routing.parse(request.path, catalog=state.catalog)
    verb = routing.verb(request.method, target, query=query)
    raw = await request.read()
    recorded = RecordedRequest(
        method=request.method,
        path=request.path,
        query=query,
        verb=verb,
        resource=target.label if target else None,
        namespace=target.namespace if target else None,
        name=target.name if target else None,
        headers={h: request.headers[h] for h in INTERESTING_HEADERS if h in request.headers},
        body=_try_decode(raw, content_type=request.content_type),
    )
    fault = state.faults.take(recorded)
    warnings: list[str] = []
    try:
        # kubectl sends no credentials over plain HTTP, so only a wrong token is refused.
        given = request.headers.get("Authorization")
        if given is not None and given != f"Bearer {state.token}":
            raise unauthorized()
        if fault is not None:
            dropped = await _inject(request, fault, state=state, target=target, verb=verb)
            if dropped is not None:
                return dropped
        response = await _dispatch(
            request, state, target=target, verb=verb, query=query, raw=raw, warnings=warnings
        )
        if fault is not None and await _answered_late(request, fault):
            fault.hung_up += 1
    except ApiError as error:
        response = web.json_response(
            error.status(), status=error.code, headers=error.headers, dumps=_compact
        )
    for header in warning_headers(warnings):
        response.headers.add("Warning", header)
    return response


def warning_headers(warnings: list[str]) -> list[str]:
    """`Warning: 299 - "text"` (apimachinery NewWarningHeader) as the apiserver's warning
    recorder writes them (`filters/warning.go`): deduplicated, texts with control
    characters dropped; past 4096 runes in all, every text is cut to 256 runes (those
    already written too) and the rest dropped once 4096 are used again."""
    seen: list[str] = []
    headers: list[str] = []
    written, truncating = 0, False
    for warning in warnings:
        if truncating and written >= _TOTAL_RUNES:
            break
        if not warning or warning in seen:
            continue
        seen.append(warning)
        text = warning[:_ITEM_RUNES] if truncating else warning
        if not _printable(text):
            continue
        if written + len(text) <= _TOTAL_RUNES or truncating:
            written += len(text)
            headers.append(_warning_header(text))
            continue
        truncating, written, headers = True, 0, []
        for earlier in (t[:_ITEM_RUNES] for t in seen):
            if _printable(earlier):
                written += len(earlier)
                headers.append(_warning_header(earlier))
    return headers


def _printable(text: str) -> bool:
    return all(unicodedata.category(c) != "Cc" for c in text)


def _warning_header(text: str) -> str:
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{quoted}"'


async def _dispatch(
    request: web.Request,
    state: State,
    *,
    target: Target | None,
    verb: str,
    query: dict[str, str],
    raw: bytes,
    warnings: list[str],
) -> web.StreamResponse:
    if target is None:
        document = discovery.document(request.path, catalog=state.catalog, address=state.address)
        if document is None or request.method != "GET":
            raise no_such_path()
        return web.json_response(document, dumps=_compact)
    if verb == "watch":
        return await state.watches.stream(
            request,
            store=state.store,
            resource=target.resource,
            namespace=target.namespace,
            query=query,
        )
    call = verbs.Call(
        store=state.store,
        target=target,
        verb=verb,
        query=query,
        content_type=request.content_type,
        body=_decode(raw, content_type=request.content_type),
        accept=request.headers.get("Accept", "application/json"),
    )
    if verb in WRITES:
        await _admit(call, state=state, warnings=warnings)
    code, body = verbs.answer(call)
    return web.json_response(body, status=code, dumps=_compact)


async def _admit(call: verbs.Call, *, state: State, warnings: list[str]) -> None:
    """Validating admission between what the write would store and storing it."""
    for attributes in attributes_of(call):
        outcome = await admission.admit(
            attributes, store=state.store, services=state.services, sent=state.reviews
        )
        warnings.extend(outcome.warnings)
        if outcome.error is not None:
            raise outcome.error


async def _client_left(request: web.Request, *, within: float) -> bool:
    """Wait `within` seconds; True as soon as the client closes the connection."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (left := deadline - loop.time()) > 0:
        transport = request.transport
        if transport is None or transport.is_closing():
            return True
        await asyncio.sleep(min(left, HANG_UP_POLL_SECONDS))
    return False


async def _answered_late(request: web.Request, fault: Fault) -> bool:
    """Hold a carried-out request's answer back `answer_delay` s; True if the client left."""
    return bool(fault.answer_delay) and await _client_left(request, within=fault.answer_delay)


async def _inject(
    request: web.Request, fault: Fault, *, state: State, target: Target | None, verb: str
) -> web.StreamResponse | None:
    """Apply a fault: a delay, expired tokens, an error, or a connection cut mid-body."""
    if fault.delay and await _client_left(request, within=fault.delay):
        fault.hung_up += 1  # a client that gives up (cancels) is seen to do so
        return web.Response(status=499)
    if fault.expire_continue:
        state.store.expire_continue_tokens()
    if fault.drop:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 4096
        await response.prepare(request)
        await response.write(b'{"kind":"Status","apiVers')
        if request.transport is not None:
            request.transport.abort()
        return response
    if fault.status == 403 and target is not None:
        raise forbidden(
            target.resource, verb=verb, namespace=target.namespace, name=target.name or ""
        )
    if fault.status is not None:
        raise by_code(fault.status, retry_after=fault.retry_after)
    return None


def _compact(value: Any) -> str:
    """JSON without spaces, as the API server writes it."""
    return json.dumps(value, separators=(",", ":"))


def _decode(raw: bytes, *, content_type: str) -> Any:
    if not raw:
        return None
    if content_type not in READABLE:
        # Protobuf needs the type's schema; the fake reads JSON only (kubectl's typed
        # generators such as `kubectl create namespace` send protobuf).
        raise ApiError(
            415,
            reason="UnsupportedMediaType",
            message=f"the fake API server reads JSON only, not {content_type}",
        )
    try:
        if content_type == APPLY:
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as error:
        raise bad_request(f"the body of the request could not be decoded: {error}") from None


def _try_decode(raw: bytes, *, content_type: str) -> Any:
    try:
        return _decode(raw, content_type=content_type)
    except ApiError:
        return raw
