"""The remediation state in ConfigMaps of tiergate's own namespace, shared by every replica.

First-seen times (grace), the last complete pass's picture and the circuit
breaker live in `tiergate-auditor-first-seen`; when the times near the 1 MiB
object limit they continue in `tiergate-auditor-first-seen-1`, `-2`, ... up to
MAX_CHUNKS in all. The first ConfigMap is written last and names how many there
are, so a reader never sees half a state. Writes carry the resourceVersion read.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from auditor.remediation.breaker import BreakerState, Picture
from auditor.remediation.grace import FirstSeen
from tiergate_edge.kube_api import KubeApi, NotFoundError

STATE_NAME = "tiergate-auditor-first-seen"
CHUNK_BYTES = 900_000  # of first-seen JSON per ConfigMap: well under the 1 MiB object limit
# ConfigMaps a state may span, the first included. Each first-seen time costs about 50 bytes
# (a quoted 36-character uid, a 10-digit stamp, punctuation), so 100 chunks of CHUNK_BYTES
# hold some 1.8 million unwanted objects: over ten times Kubernetes' tested limit of 150,000
# pods a cluster. More means the ConfigMaps are not (all) the auditor's: the state is
# unreadable, and no reader asks for one past chunk_name(MAX_CHUNKS), the one that shows it.
MAX_CHUNKS = 100
FIRST_SEEN_KEY = "first-seen"
CHUNKS_KEY = "chunks"
PICTURE_KEY = "last-pass"
BREAKER_KEY = "circuit-breaker"
LABELS = {
    "app.kubernetes.io/name": "tiergate",
    "app.kubernetes.io/part-of": "tiergate",
    "app.kubernetes.io/component": "auditor",
}


class StateUnreadableError(Exception):
    """The ConfigMaps exist but do not hold a state this auditor wrote; the message says why."""


@dataclass
class State:
    first_seen: FirstSeen = field(default_factory=dict)
    picture: Picture | None = None
    breaker: BreakerState | None = None
    versions: dict[str, str] = field(default_factory=dict)  # ConfigMap -> resourceVersion read


def chunk_name(index: int) -> str:
    return STATE_NAME if index == 0 else f"{STATE_NAME}-{index}"


def split(first_seen: FirstSeen, *, chunk_bytes: int) -> list[FirstSeen]:
    """The times in chunks whose compact JSON stays within `chunk_bytes` (at least one)."""
    chunks: list[FirstSeen] = [{}]
    size = 2
    for namespace in sorted(first_seen):
        for uid, stamp in sorted(first_seen[namespace].items()):
            cost = len(json.dumps(uid)) + len(str(stamp)) + 2
            opens = namespace not in chunks[-1]
            cost += len(json.dumps(namespace)) + 4 if opens else 0
            if size + cost > chunk_bytes and any(chunks[-1].values()):
                chunks.append({})
                size = 2 + len(json.dumps(namespace)) + 4
                size += len(json.dumps(uid)) + len(str(stamp)) + 2
            else:
                size += cost
            chunks[-1].setdefault(namespace, {})[uid] = stamp
    return chunks


def _times(text: Any, *, name: str) -> FirstSeen:
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as error:
        raise StateUnreadableError(f"ConfigMap {name}: {FIRST_SEEN_KEY} is not JSON") from error
    valid = isinstance(document, dict) and all(
        isinstance(times, dict)
        and all(isinstance(u, str) and type(t) is int for u, t in times.items())
        for times in document.values()
    )
    if not valid:
        raise StateUnreadableError(f"ConfigMap {name}: {FIRST_SEEN_KEY} is not uid -> seconds")
    return document  # type: ignore[no-any-return]


def _decode_head(data: dict[str, Any], *, state: State) -> int:
    try:
        chunks = int(data.get(CHUNKS_KEY, "1"))
        picture = json.loads(data[PICTURE_KEY]) if PICTURE_KEY in data else None
        breaker = json.loads(data[BREAKER_KEY]) if BREAKER_KEY in data else None
        if picture is not None:
            state.picture = Picture(
                allowed_namespaces=int(picture["allowedNamespaces"]),
                violations=int(picture["violations"]),
            )
        if breaker is not None:
            state.breaker = BreakerState(
                reason=str(breaker["reason"]), opened_at=str(breaker["openedAt"])
            )
    except (TypeError, ValueError, KeyError) as error:
        raise StateUnreadableError(f"ConfigMap {STATE_NAME}: unreadable: {error!r}") from error
    if not 1 <= chunks <= MAX_CHUNKS:
        raise StateUnreadableError(
            f"ConfigMap {STATE_NAME}: {CHUNKS_KEY} is {chunks}, but a state spans 1 to "
            f"{MAX_CHUNKS} ConfigMaps"
        )
    return chunks


async def _read(api: KubeApi, *, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        document = await api.request("GET", f"/api/v1/namespaces/{namespace}/configmaps/{name}")
    except NotFoundError:
        return None
    return document if isinstance(document, dict) else None


async def load_state(api: KubeApi, *, namespace: str) -> State:
    """The state as the replicas left it; empty if there is none yet.

    Raises StateUnreadableError for ConfigMaps that hold something else, and the
    API's errors when they cannot be read.
    """
    state = State()
    head = await _read(api, namespace=namespace, name=STATE_NAME)
    if head is None:
        return state
    state.versions[STATE_NAME] = head["metadata"]["resourceVersion"]
    data = head.get("data") or {}
    chunks = _decode_head(data, state=state)
    documents = [(STATE_NAME, data)]
    for index in range(1, chunks):
        name = chunk_name(index)
        found = await _read(api, namespace=namespace, name=name)
        if found is None:
            raise StateUnreadableError(f"ConfigMap {name} is missing ({STATE_NAME} names {chunks})")
        state.versions[name] = found["metadata"]["resourceVersion"]
        documents.append((name, found.get("data") or {}))
    for name, chunk in documents:
        for ns, times in _times(chunk.get(FIRST_SEEN_KEY, "{}"), name=name).items():
            state.first_seen.setdefault(ns, {}).update(times)
    # Left over from a larger state: deleted on the next save.
    for index in range(chunks, MAX_CHUNKS + 1):
        extra = await _read(api, namespace=namespace, name=chunk_name(index))
        if extra is None:
            return state
        state.versions[chunk_name(index)] = extra["metadata"]["resourceVersion"]
    raise StateUnreadableError(
        f"ConfigMaps {STATE_NAME} to {chunk_name(MAX_CHUNKS)} exist, more than the {MAX_CHUNKS} "
        f"a state may span: delete those past {chunk_name(MAX_CHUNKS - 1)}"
    )


async def raw_versions(api: KubeApi, *, namespace: str) -> dict[str, str]:
    """The resourceVersions of the state's ConfigMaps, whatever they hold, to overwrite them.

    By name, with `get` only (the Role grants no `list`): the chunks the first one
    names, and any that follow them, never more than MAX_CHUNKS in all; the rest are
    left alone (load_state calls the state unreadable while they follow without a gap).
    """
    versions: dict[str, str] = {}
    named = 1
    head = await _read(api, namespace=namespace, name=STATE_NAME)
    if head is not None:
        versions[STATE_NAME] = head["metadata"]["resourceVersion"]
        try:
            named = int((head.get("data") or {}).get(CHUNKS_KEY, "1"))
        except (TypeError, ValueError):
            named = 1
    for index in range(1, MAX_CHUNKS):
        if index >= named and chunk_name(index - 1) not in versions:
            break
        found = await _read(api, namespace=namespace, name=chunk_name(index))
        if found is not None:
            versions[chunk_name(index)] = found["metadata"]["resourceVersion"]
    return versions


def _config_map(name: str, *, namespace: str, data: dict[str, str], version: str | None) -> Any:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": LABELS}
    if version is not None:
        metadata["resourceVersion"] = version
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


class StateTooLargeError(Exception):
    """The state would span more ConfigMaps than a reader accepts."""


async def save_state(
    api: KubeApi, *, namespace: str, state: State, chunk_bytes: int = CHUNK_BYTES
) -> None:
    """Write the state: the extra chunks, then the first ConfigMap, then remove leftovers.

    A ConflictError means another writer got there first: the caller acts on nothing.
    Raises StateTooLargeError, writing nothing, for a state past MAX_CHUNKS ConfigMaps.
    """
    chunks = split(state.first_seen, chunk_bytes=chunk_bytes)
    if len(chunks) > MAX_CHUNKS:
        # Written, it would read back as unreadable: refused before anything is written.
        raise StateTooLargeError(
            f"{len(state.first_seen)} first-seen times need {len(chunks)} ConfigMaps, "
            f"more than the {MAX_CHUNKS} a state may span"
        )
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    head: dict[str, str] = {CHUNKS_KEY: str(len(chunks))}
    if state.picture is not None:
        picture = state.picture
        head[PICTURE_KEY] = json.dumps(
            {"allowedNamespaces": picture.allowed_namespaces, "violations": picture.violations}
        )
    if state.breaker is not None:
        head[BREAKER_KEY] = json.dumps(
            {"reason": state.breaker.reason, "openedAt": state.breaker.opened_at}
        )
    for index in [*range(1, len(chunks)), 0]:
        name = chunk_name(index)
        data = {FIRST_SEEN_KEY: json.dumps(chunks[index], separators=(",", ":"))}
        data |= head if index == 0 else {}
        version = state.versions.get(name)
        body = _config_map(name, namespace=namespace, data=data, version=version)
        if version is None:
            written = await api.request("POST", base, body=body, content_type="application/json")
        else:
            written = await api.request(
                "PUT", f"{base}/{name}", body=body, content_type="application/json"
            )
        state.versions[name] = written["metadata"]["resourceVersion"]
    for name in [n for n in state.versions if n not in {chunk_name(i) for i in range(len(chunks))}]:
        options = {"preconditions": {"resourceVersion": state.versions.pop(name)}}
        await api.request("DELETE", f"{base}/{name}", body=options, content_type="application/json")
