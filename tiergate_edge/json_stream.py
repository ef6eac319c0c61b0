"""Reading a stream of JSON documents, as `kubectl get -o json` (and `-w`) prints them.

JSON is read exactly as `json.load` reads it: duplicate keys are not looked
for (the last value wins), so JSON reading can be measured against `json.load`.
Runaway nesting and huge integers become input errors, never crashes.
"""

import json
from collections.abc import Iterator
from typing import Any

from tiergate_edge.failures import InputError

NESTED_TOO_DEEPLY = "nested too deeply to read"


class NotJsonError(InputError):
    """Text that is not JSON; it may still be YAML in flow style."""


def load_json_documents(text: str, *, source: str) -> Iterator[tuple[int, Any]]:
    """(number, document) for each JSON document in `text`, numbered from 1."""
    decoder = json.JSONDecoder()
    position, number = 0, 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return
        number += 1
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise NotJsonError(
                f"{source}: document {number} (line {error.lineno}): not valid JSON: {error.msg}"
            ) from error
        except RecursionError as error:
            raise InputError(f"{source}: document {number}: {NESTED_TOO_DEEPLY}") from error
        except ValueError as error:  # an integer with more digits than Python converts
            raise InputError(
                f"{source}: document {number}: not valid JSON: an integer with too many digits"
            ) from error
        yield number, document
