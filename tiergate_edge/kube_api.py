"""The Kubernetes API as both programs use it: one request function, typed errors, retries.

kubernetes-asyncio supplies the configuration (KUBECONFIG or in-cluster: server,
CA, client certificate, token and its refresh); requests are plain aiohttp with
raw JSON, because the client's models are far too slow and big for a whole
cluster. A failure the API explains (its `Status`) becomes a typed error.
"""

import asyncio
import json
import os
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import aiohttp
import orjson

from tiergate_edge.failures import InputError
from tiergate_edge.retry import RetryPolicy
from tiergate_edge.server_clock import ServerClock

if TYPE_CHECKING:
    from kubernetes_asyncio.client import Configuration

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]
ErrorHook = Callable[["ApiError"], None]


class ApiError(Exception):
    """A request the API refused or could not answer; the message is the API's own."""

    def __init__(self, message: str, *, code: int, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class NotFoundError(ApiError):
    """404: the object, or the resource itself (a CRD that is not installed), is not there."""


class ForbiddenError(ApiError):
    """403: RBAC does not allow the request; retrying will not help."""


class ConflictError(ApiError):
    """409: a precondition (uid, resourceVersion) no longer holds."""


class GoneError(ApiError):
    """410: a continue token or resourceVersion is too old; the listing must start over."""


class UnreachableError(ApiError):
    """The API could not be reached, or kept failing, within the retry budget."""


_ERRORS: Mapping[int, type[ApiError]] = {
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
}
_RETRIED = frozenset({429, 500, 502, 503, 504})


def _error_of(status: int, *, body: bytes, what: str) -> ApiError:
    """The typed error for a failed response, worded from the API's `Status` if it sent one."""
    message, reason = f"{what}: HTTP {status}", ""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict) and document.get("kind") == "Status":
        message = f"{message}: {document.get('message') or document.get('reason')}"
        reason = str(document.get("reason") or "")
    return _ERRORS.get(status, ApiError)(message, code=status, reason=reason)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _readable_kubeconfig(named: str | None) -> Path:
    """The kubeconfig file to read (the first of $KUBECONFIG), or an InputError saying why not."""
    path = Path(named.split(os.pathsep)[0] if named else "~/.kube/config").expanduser()
    if not path.is_file():
        where = f"$KUBECONFIG names {path}, which cannot be read" if named else f"no {path}"
        raise InputError(
            f"no Kubernetes API to talk to: {where}, and this is not a pod with a service "
            "account (name files with -f to audit manifests)"
        )
    return path


async def _configuration(kubeconfig: str | None) -> "Configuration":
    """From `kubeconfig` if given; in a pod, the service account; else KUBECONFIG or
    ~/.kube/config."""
    # Imported here, not at the top: kubernetes-asyncio loads every API model (about
    # 0.6 s and 70 MiB), which a run that reads only files must not pay.
    from kubernetes_asyncio.client import Configuration  # noqa: PLC0415
    from kubernetes_asyncio.config import (  # noqa: PLC0415
        ConfigException,
        load_incluster_config,
        load_kube_config,
    )

    configuration = Configuration()
    if kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST"):
        load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        return configuration
    named = kubeconfig or os.environ.get("KUBECONFIG")
    path = _readable_kubeconfig(named)
    try:
        await load_kube_config(
            config_file=named, client_configuration=configuration, persist_config=False
        )
    except (ConfigException, OSError, ValueError) as error:
        raise InputError(f"{path}: not a usable kubeconfig: {error}") from error
    return configuration


def _ssl_context(configuration: "Configuration") -> ssl.SSLContext | bool:
    if not str(configuration.host or "").startswith("https"):
        return False
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class KubeApi:
    """One session with the API server; `request` is the only way requests are made."""

    def __init__(
        self,
        configuration: "Configuration",
        *,
        retry: RetryPolicy,
        sleep: Sleep = asyncio.sleep,
        on_error: ErrorHook | None = None,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.server = str(configuration.host or "").rstrip("/")
        self._configuration = configuration
        self._retry = retry
        self._sleep = sleep
        self._server_clock = ServerClock(monotonic=monotonic)
        # Told of every failed try (retried or not), so a program can count errors by code.
        self._on_error = on_error
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=_ssl_context(configuration)),
            timeout=aiohttp.ClientTimeout(total=retry.timeout_seconds),
        )

    @classmethod
    async def connect(
        cls,
        *,
        retry: RetryPolicy,
        kubeconfig: str | None = None,
        sleep: Sleep = asyncio.sleep,
        on_error: ErrorHook | None = None,
        monotonic: Monotonic = time.monotonic,
    ) -> Self:
        configuration = await _configuration(kubeconfig)
        return cls(configuration, retry=retry, sleep=sleep, on_error=on_error, monotonic=monotonic)

    def server_time(self) -> datetime | None:
        """The API server's time now, from the `Date` of its latest response that had a
        usable one and the `monotonic` time since; None until a response has."""
        return self._server_clock.now()

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        auth = await self._configuration.auth_settings()
        token = auth.get("BearerToken")
        if token:
            headers["Authorization"] = token["value"]
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """The response's JSON; retried on 429 (Retry-After), 5xx and connection errors.

        `retry` overrides the session's policy for this request (an admission lookup
        must answer within the webhook's own timeout). Raises NotFoundError,
        ForbiddenError, ConflictError, GoneError, ApiError, or UnreachableError once
        the attempts or the time budget are spent.
        """
        policy = retry or self._retry
        what = f"{method} {path}"
        data = None if body is None else json.dumps(body).encode()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy.budget_seconds
        attempt = 0
        while True:
            outcome = await self._attempt(
                method,
                path,
                params=params,
                data=data,
                content_type=content_type,
                what=what,
                seconds=policy.timeout_seconds,
            )
            if outcome.error is None:
                return outcome.value
            self._told(outcome.error)
            if not outcome.retriable:
                raise outcome.error
            attempt += 1
            delay = policy.delay(attempt - 1, retry_after=outcome.retry_after)
            if attempt >= policy.attempts or loop.time() + delay > deadline:
                raise UnreachableError(
                    f"{outcome.error} (gave up after {attempt} attempts)",
                    code=outcome.error.code,
                    reason=outcome.error.reason,
                )
            await self._sleep(delay)

    def _told(self, error: ApiError) -> None:
        if self._on_error is not None:
            self._on_error(error)

    async def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        data: bytes | None,
        content_type: str | None,
        what: str,
        seconds: float,
    ) -> "_Outcome":
        try:
            async with self._session.request(
                method,
                self.server + path,
                params=params,
                data=data,
                headers=await self._headers(content_type),
                timeout=aiohttp.ClientTimeout(total=seconds),
            ) as response:
                payload = await response.read()
                self._server_clock.observe(response.headers.get("Date"))
                if response.status >= 400:
                    return _Outcome(
                        error=_error_of(response.status, body=payload, what=what),
                        retriable=response.status in _RETRIED,
                        retry_after=_retry_after(response.headers),
                    )
                # orjson: a page of 500 objects parses about twice as fast as with json.
                return _Outcome(value=orjson.loads(payload) if payload else None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            reason = str(error) or type(error).__name__
            return _Outcome(error=UnreachableError(f"{what}: {reason}", code=0), retriable=True)

    async def watch(
        self, path: str, *, resource_version: str, timeout_seconds: int = 300
    ) -> AsyncIterator[dict[str, Any]]:
        """The events of a watch from `resource_version`, until the server ends the stream.

        An ERROR event is raised as its typed error (GoneError for 410: list again).
        """
        params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
        }
        read_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=10, sock_read=timeout_seconds + 30
        )
        what = f"WATCH {path}"
        async with self._session.get(
            self.server + path,
            params=params,
            headers=await self._headers(None),
            timeout=read_timeout,
        ) as response:
            if response.status >= 400:
                error = _error_of(response.status, body=await response.read(), what=what)
                self._told(error)
                raise error
            async for line in response.content:
                if not line.strip():
                    continue
                event = orjson.loads(line)
                if event.get("type") == "ERROR":
                    status = event.get("object")
                    code = status.get("code") if isinstance(status, dict) else None
                    body = json.dumps(status).encode()
                    error = _error_of(code if isinstance(code, int) else 500, body=body, what=what)
                    self._told(error)
                    raise error
                yield event


@dataclass(frozen=True)
class _Outcome:
    """One try: the JSON answer, or the error, whether to try again, and when."""

    value: Any = None
    error: ApiError | None = None
    retriable: bool = False
    retry_after: float | None = None
