"""One webhook call over TLS, as kube-apiserver's webhook client makes it.

There are no Services on localhost, so tests map a Service (namespace, name, port) to
a local port; the call still sends SNI `<svc>.<ns>.svc`, verifies the certificate
against `caBundle` and the `?timeout=Ns` query, and words failures as Go's client does.
"""

import asyncio
import base64
import binascii
import json
import posixpath
import re
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.fakeapi.webhooks import Hook

# What client-go's NewGenericServerResponse says for an answer that is not a Status.
_GENERIC = {
    400: "the server rejected our request for an unknown reason",
    401: "the server has asked for the client to provide credentials",
    404: "the server could not find the requested resource",
    405: "the server does not allow this method on the requested resource",
    409: "the server reported a conflict",
    422: "the server rejected our request due to an error in our request",
    429: "the server has received too many requests and has asked us to try again later",
    503: "the server is currently unable to handle the request",
    504: "the server was unable to return a response in the time allotted, "
    "but may still be processing the request",
}


class CallFailedError(Exception):
    """The webhook could not be called or did not answer 2xx (an ErrCallingWebhook)."""


class Services:
    """Where a Service's port really listens: tests route (namespace, name, port) to 127.0.0.1."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str, int], int] = {}

    def route(self, *, namespace: str, name: str, port: int = 443, to: int) -> None:
        with self._lock:
            self._routes[(namespace, name, port)] = to

    def unroute(self, *, namespace: str, name: str, port: int = 443) -> None:
        with self._lock:
            self._routes.pop((namespace, name, port), None)

    def local_port(self, *, namespace: str, name: str, port: int) -> int | None:
        with self._lock:
            return self._routes.get((namespace, name, port))


async def post(hook: Hook, *, body: dict[str, Any], services: Services) -> Any:
    """POST the review, answer the decoded body; CallFailedError words the failure as Go does."""
    host, port, path, local = _endpoint(hook.client_config, services=services)
    url = f"https://{host}:{port}{path}?timeout={hook.timeout_seconds}s"
    if local is None:
        raise CallFailedError(f'Post "{url}": services "{_service(hook)["name"]}" not found')
    timeout = aiohttp.ClientTimeout(total=hook.timeout_seconds)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                f"https://{local[0]}:{local[1]}{path}?timeout={hook.timeout_seconds}s",
                data=json.dumps(body, separators=(",", ":")) + "\n",
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, */*",
                    "User-Agent": "kube-apiserver-admission",
                    "Host": f"{host}:{port}",
                },
                ssl=_context(hook.client_config),
                server_hostname=host,
            ) as response,
        ):
            raw = await response.read()
            status, content_type = response.status, response.content_type
    except TimeoutError:
        raise CallFailedError(f'Post "{url}": context deadline exceeded') from None
    except aiohttp.ClientConnectorCertificateError as error:
        raise CallFailedError(f'Post "{url}": {_tls_reason(error.certificate_error)}') from None
    except aiohttp.ClientConnectorError as error:
        if isinstance(error.os_error, ConnectionRefusedError):
            reason = f"dial tcp {local[0]}:{local[1]}: connect: connection refused"
            raise CallFailedError(f'Post "{url}": {reason}') from None
        raise CallFailedError(f'Post "{url}": {error}') from None
    except (aiohttp.ClientError, asyncio.CancelledError) as error:
        raise CallFailedError(f'Post "{url}": {error}') from None
    return _decoded(raw, status=status, content_type=content_type)


def _decoded(raw: bytes, *, status: int, content_type: str) -> Any:
    """client-go's transformResponse: 200..206 is a body to decode, the rest an error."""
    body: Any = None
    parse_error: ValueError | None = None
    try:
        body = json.loads(raw) if raw else None
    except ValueError as error:
        parse_error = error
    if 200 <= status <= 206:
        if not raw:
            raise CallFailedError(
                f"0-length response with status code: {status} and content type: {content_type}"
            )
        if parse_error is not None:
            raise CallFailedError(f"couldn't get version/kind; json parse error: {parse_error}")
        return body
    if isinstance(body, dict) and body.get("kind") == "Status" and body.get("message"):
        raise CallFailedError(str(body["message"]))
    text = raw.decode("utf-8", "replace").strip() if content_type.startswith("text/") else "unknown"
    fallback = (
        f"the server responded with the status code {status} but did not return more information"
    )
    if status in _GENERIC:
        raise CallFailedError(_GENERIC[status])
    if status >= 500:
        raise CallFailedError(
            f'an error on the server ("{text}") has prevented the request from succeeding'
        )
    raise CallFailedError(fallback)


def _service(hook: Hook) -> dict[str, Any]:
    service = hook.client_config.get("service")
    return service if isinstance(service, dict) else {}


def _endpoint(
    client_config: dict[str, Any], *, services: Services
) -> tuple[str, int, str, tuple[str, int] | None]:
    """Host (the SNI name), port, normalized path, and where to connect (None: no route)."""
    service = client_config.get("service")
    if isinstance(service, dict):
        host = f"{service['name']}.{service['namespace']}.svc"
        port = int(service.get("port") or 443)
        local = services.local_port(namespace=service["namespace"], name=service["name"], port=port)
        return (
            host,
            port,
            _path(service.get("path")),
            None if local is None else ("127.0.0.1", local),
        )
    url = urlsplit(str(client_config.get("url") or ""))
    host, port = url.hostname or "", url.port or 443
    return host, port, _path(url.path), (host, port)


def _path(raw: Any) -> str:
    """`path.Join("/", p)`: empty is `/`, no trailing or doubled slashes."""
    return posixpath.normpath(re.sub("/+", "/", "/" + str(raw or "")))


def _context(client_config: dict[str, Any]) -> ssl.SSLContext:
    bundle = client_config.get("caBundle")
    if bundle:
        try:
            pem = base64.b64decode(bundle, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            pem = ""
        context = ssl.create_default_context(cadata=pem or None)
    else:
        context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])  # the apiserver forces HTTP/1.1
    return context


def _tls_reason(error: Exception) -> str:
    """Go's wording for the common verification failures, else Python's."""
    code = getattr(error, "verify_code", None)
    if code in {2, 19, 20, 21}:  # no issuer / self-signed / unable to verify the first cert
        return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    return f"tls: failed to verify certificate: x509: {getattr(error, 'verify_message', error)}"
