"""The three patch formats clients send (JSON merge, strategic merge, JSON patch).

kubectl picks the format by type (label: merge patch, apply: strategic merge,
scale: merge patch on /scale), so the server must apply each the way the API does.
"""

import copy
import json
from typing import Any

from tests.fakeapi.status import ApiError, bad_request

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"

# Lists the strategic merge merges element by element, by this key (others are replaced).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "env": "name",
    "ports": "name",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "tolerations": "key",
    "conditions": "type",
}


def merge_patch(target: Any, *, patch: Any) -> Any:
    """RFC 7386: objects merge, `null` removes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), patch=value)
    return result


def strategic_merge_patch(target: Any, *, patch: Any) -> Any:
    """Merge semantics, with keyed lists merged by their key and `$` directives honoured."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue  # $setElementOrder, $retainKeys: ordering and pruning hints only
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(result.get(key), list):
            result[key] = _merge_list(result[key], patch=value, key=MERGE_KEYS[key])
        else:
            result[key] = strategic_merge_patch(result.get(key), patch=value)
    return result


def _merge_list(current: list[Any], *, patch: list[Any], key: str) -> list[Any]:
    merged = [copy.deepcopy(item) for item in current]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            merged.append(copy.deepcopy(item))
            continue
        index = next(
            (
                i
                for i, old in enumerate(merged)
                if isinstance(old, dict) and old.get(key) == item[key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(strategic_merge_patch({}, patch=item))
        else:
            merged[index] = strategic_merge_patch(merged[index], patch=item)
    return merged


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"json patch path {path!r} does not start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(doc: Any, *, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise bad_request(f"json patch: path /{'/'.join(parts)} does not exist") from None
    return node, parts[-1]


def _get(doc: Any, *, parts: list[str]) -> Any:
    if not parts:
        return doc
    parent, last = _parent(doc, parts=parts)
    try:
        return parent[int(last)] if isinstance(parent, list) else parent[last]
    except (KeyError, IndexError, ValueError, TypeError):
        raise bad_request(f"json patch: path /{'/'.join(parts)} does not exist") from None


def _remove(doc: Any, *, parts: list[str]) -> Any:
    value = _get(doc, parts=parts)
    parent, last = _parent(doc, parts=parts)
    if isinstance(parent, list):
        del parent[int(last)]
    else:
        del parent[last]
    return value


def _add(doc: Any, *, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, last = _parent(doc, parts=parts)
    if isinstance(parent, list):
        parent.insert(len(parent) if last == "-" else int(last), value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise bad_request(f"json patch: cannot add at /{'/'.join(parts)}")
    return doc


def json_patch(target: Any, *, operations: Any) -> Any:
    """RFC 6902, including `test`, whose failure the API answers with 422."""
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    doc = copy.deepcopy(target)
    for operation in operations:
        op, parts = operation.get("op"), _pointer(operation.get("path", ""))
        if op in {"add", "replace"}:
            if op == "replace":
                _get(doc, parts=parts)
                if parts:
                    _remove(doc, parts=parts)
            doc = _add(doc, parts=parts, value=copy.deepcopy(operation.get("value")))
        elif op == "remove":
            _remove(doc, parts=parts)
        elif op in {"move", "copy"}:
            source = _pointer(operation.get("from", ""))
            value = (
                _remove(doc, parts=source)
                if op == "move"
                else copy.deepcopy(_get(doc, parts=source))
            )
            doc = _add(doc, parts=parts, value=value)
        elif op == "test":
            if _get(doc, parts=parts) != operation.get("value"):
                raise ApiError(
                    422,
                    reason="Invalid",
                    message=f"the server rejected our request due to an error in our request: "
                    f"testing value {json.dumps(operation.get('value'))} failed",
                )
        else:
            raise bad_request(f"Unexpected kind of json patch operation: {op!r}")
    return doc


def apply_patch(target: dict[str, Any], *, content_type: str, body: Any) -> Any:
    """The patched object for one of the patch content types, or 415 for an unknown one."""
    if content_type == MERGE:
        return merge_patch(target, patch=body)
    if content_type in {STRATEGIC, APPLY}:
        return strategic_merge_patch(target, patch=body)
    if content_type == JSON_PATCH:
        return json_patch(target, operations=body)
    raise ApiError(
        415,
        reason="UnsupportedMediaType",
        message=f"the body of the request was in an unknown format - accepted media types "
        f"include: {JSON_PATCH}, {MERGE}, {STRATEGIC}, {APPLY}",
    )
