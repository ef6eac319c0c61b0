"""Talking to the Kubernetes API with raw JSON: the connection, one request function, errors.

kubernetes_asyncio is used for its configuration only (kubeconfig or in-cluster,
token refresh); requests go through aiohttp and come back as plain JSON, typed
where they are read. Errors are built from the API's own `Status`.
"""

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config


class ApiError(Exception):
    """The API refused or failed a request; `status` is the HTTP code (0: unreachable)."""

    def __init__(self, status: int, *, reason: str = "", message: str = "") -> None:
        super().__init__(f"{status} {reason}: {message}" if status else message)
        self.status, self.reason, self.message = status, reason, message


class NotFoundError(ApiError):
    pass


class GoneError(ApiError):
    """410: a resourceVersion or continue token too old; list again."""


def api_error(status: int, body: Any) -> ApiError:
    """The typed error for an HTTP status and the API's `Status` body (if it is one)."""
    if isinstance(body, Mapping) and body.get("kind") == "Status":
        code = body.get("code")
        status = code if isinstance(code, int) else status
        reason, message = str(body.get("reason", "")), str(body.get("message", ""))
    else:
        reason, message = "", str(body)[:200]
    kind = {404: NotFoundError, 410: GoneError}.get(status, ApiError)
    return kind(status, reason=reason, message=message)


@dataclass(frozen=True)
class Connection:
    """Where the API is and how to authenticate to it."""

    configuration: Any  # kubernetes_asyncio.client.Configuration (untyped)
    ssl: ssl.SSLContext | bool

    @property
    def server(self) -> str:
        return str(self.configuration.host).rstrip("/")

    async def headers(self) -> dict[str, str]:
        # auth_settings() refreshes an in-cluster token that the kubelet rotated.
        auth = await self.configuration.auth_settings()
        token = auth.get("BearerToken", {}).get("value")
        return {"Accept": "application/json", **({"Authorization": token} if token else {})}


def _ssl_context(configuration: Any) -> ssl.SSLContext | bool:
    """The TLS settings of the connection, built once (loading CAs is not free)."""
    if not str(configuration.host).startswith("https"):
        return False
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def load_connection(*, kubeconfig: str | None) -> Connection:
    """From `kubeconfig` (a path) if given, else the pod's service account."""
    configuration = client.Configuration()
    if kubeconfig:
        await config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    else:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return Connection(configuration, _ssl_context(configuration))


async def request_json(
    session: aiohttp.ClientSession,
    connection: Connection,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    seconds: float = 10.0,
) -> dict[str, Any]:
    """GET `path` as JSON; ApiError (typed by status) when it fails or cannot be reached."""
    try:
        async with session.get(
            connection.server + path,
            params=params,
            headers=await connection.headers(),
            ssl=connection.ssl,
            timeout=aiohttp.ClientTimeout(total=seconds),
        ) as response:
            text = await response.text()
            body = json.loads(text) if text else None
            if response.status >= 400:
                raise api_error(response.status, body)
    except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as error:
        raise ApiError(0, message=f"the API cannot be read: {error!r}") from error
    if not isinstance(body, dict):
        raise ApiError(0, message="the API answered something other than a JSON object")
    return body


async def watch_events(
    session: aiohttp.ClientSession,
    connection: Connection,
    path: str,
    *,
    resource_version: str,
    timeout_seconds: int = 300,
) -> AsyncIterator[dict[str, Any]]:
    """The events of a watch from `resource_version`, until the server ends the stream.

    An ERROR event is raised as its ApiError (GoneError for 410: list again).
    """
    params = {
        "watch": "true",
        "resourceVersion": resource_version,
        "allowWatchBookmarks": "true",
        "timeoutSeconds": str(timeout_seconds),
    }
    async with session.get(
        connection.server + path,
        params=params,
        headers=await connection.headers(),
        ssl=connection.ssl,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=timeout_seconds + 30),
    ) as response:
        if response.status >= 400:
            raise api_error(response.status, await _json_or_text(response))
        async for line in response.content:
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("type") == "ERROR":
                raise api_error(500, event.get("object"))
            yield event


async def _json_or_text(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


async def sleep_or_stop(seconds: float, *, stop: asyncio.Event) -> bool:
    """Sleep, unless `stop` is set first; True if stopped."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
