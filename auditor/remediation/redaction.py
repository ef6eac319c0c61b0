"""The manifest of an object acted on, fit for a report: env values and secrets removed.

Pure. A report is read by more people than the tenant's Secrets are, so every
env value, every secret-looking field and every `key=value` argument whose key
looks secret is replaced; what the object was stays recognisable.
"""

import re
from typing import Any

REDACTED = "<redacted>"
# `pass` alone as a word: the exporter's own flag is `--pass` (and $MQTT_PASS), not `bypass`.
_SECRET_WORDS = r"passw|(?<![a-z])pass(?![a-z])|secret|token|credential|api.?key|private.?key|auth"  # noqa: S105 - words to look for
_SECRET_KEY = re.compile(_SECRET_WORDS, re.IGNORECASE)
_SECRET_ARGUMENT = re.compile(rf"^(?P<flag>-*[^=]*(?:{_SECRET_WORDS})[^=]*=).+$", re.IGNORECASE)
_FLAG = re.compile(r"-{1,2}[^=\s]+")
_DROPPED_METADATA = ("managedFields",)
_DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def _env(entries: Any) -> Any:
    if not isinstance(entries, list):
        return entries
    return [
        {**e, "value": REDACTED} if isinstance(e, dict) and "value" in e else e for e in entries
    ]


def _secret_flag(value: Any) -> bool:
    """A flag whose value comes as the next argument (`--pass VALUE`) and looks secret."""
    return isinstance(value, str) and bool(_FLAG.fullmatch(value) and _SECRET_KEY.search(value))


def _arguments(values: Any) -> Any:
    if not isinstance(values, list):
        return values
    return [
        REDACTED
        if i > 0 and _secret_flag(values[i - 1])
        else _SECRET_ARGUMENT.sub(lambda m: m["flag"] + REDACTED, v)
        if isinstance(v, str)
        else v
        for i, v in enumerate(values)
    ]


def _walk(node: Any) -> Any:
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    # A `{name: Authorization, value: ...}` pair (an HTTP header of a probe): the name says.
    named = node.get("name")
    secret_pair = isinstance(named, str) and _SECRET_KEY.search(named) is not None
    for key, value in node.items():
        if key == "env":
            result[key] = _env(value)
        elif key in ("args", "command"):
            result[key] = _arguments(value)
        elif isinstance(value, str) and (
            _SECRET_KEY.search(str(key)) or (key == "value" and secret_pair)
        ):
            result[key] = REDACTED
        else:
            result[key] = _walk(value)
    return result


def redacted(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy without env values, secret-looking fields, managedFields and the
    last-applied annotation (a full copy of the object, secrets included)."""
    metadata = dict(manifest.get("metadata") or {})
    for name in _DROPPED_METADATA:
        metadata.pop(name, None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        kept = {k: v for k, v in annotations.items() if k not in _DROPPED_ANNOTATIONS}
        metadata["annotations"] = kept
    cleaned = _walk({k: v for k, v in manifest.items() if k not in ("metadata", "status")})
    return {**cleaned, "metadata": _walk_metadata(metadata)}


def _walk_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    # Label and annotation keys such as `app.kubernetes.io/auth` are names, not secrets;
    # only the annotations' values can carry one.
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        metadata = {
            **metadata,
            "annotations": {
                k: REDACTED if isinstance(v, str) and _SECRET_KEY.search(k) else v
                for k, v in annotations.items()
            },
        }
    return metadata
