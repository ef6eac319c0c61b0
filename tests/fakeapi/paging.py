"""Continue tokens for paged lists, opaque to clients as the real ones are.

A token records where the next page starts and which generation of tokens it
belongs to, so a test can expire every token handed out so far and see the 410.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from tests.fakeapi.status import ApiError, bad_request, expired

TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


@dataclass(frozen=True)
class Position:
    """Where a continued list resumes: after `start`, at list resourceVersion `rv`."""

    rv: int
    start: tuple[str, str]
    epoch: int


def encode(position: Position) -> str:
    payload = {
        "v": "meta.k8s.io/v1",
        "rv": position.rv,
        "start": "/".join(position.start) + "\x00",
        "epoch": position.epoch,
    }
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode(token: str, *, epoch: int, oldest_rv: int) -> Position:
    """The position a token names, or 410 Expired when its generation has passed."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, _, name = payload["start"].rstrip("\x00").partition("/")
        position = Position(int(payload["rv"]), (namespace, name), int(payload["epoch"]))
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError):
        raise bad_request(f"continue key is not valid: {token!r}") from None
    if position.epoch < epoch or 0 <= position.rv < oldest_rv:
        raise _expired(position, epoch=epoch)
    return position


def _expired(position: Position, *, epoch: int) -> ApiError:
    # The real server offers an inconsistent token that continues at the current state.
    fresh = encode(Position(rv=-1, start=position.start, epoch=epoch))
    return expired(TOO_OLD, continue_token=fresh)
