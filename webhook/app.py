"""The aiohttp application of the TLS port: POST /validate (and the health routes).

Thin on purpose: read the body (size and content type checked), validate the
envelope, hand the request to the Reviewer, write the answer. Bad input is a
400 with the reason, logged and counted; only a bug is a 500.
"""

import time
from dataclasses import dataclass

import orjson
from aiohttp import web
from pydantic import ValidationError

from tiergate.reading import ObjectError
from tiergate.text import printable
from tiergate_edge.health import add_health_routes
from webhook.health import Readiness
from webhook.metrics import WebhookMetrics
from webhook.review import AdmissionReview, response_body
from webhook.serving import LOGGER, Reviewer


@dataclass(frozen=True)
class Transport:
    reviewer: Reviewer
    metrics: WebhookMetrics
    max_body_bytes: int


TRANSPORT = web.AppKey("transport", Transport)


class BadReviewError(Exception):
    """A request kube-apiserver would never send: 400, with `reason` as the metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _first_problem(error: ValidationError) -> str:
    problem = error.errors(include_url=False, include_input=False)[0]
    if problem["type"] == "json_invalid":
        return f"the body is not JSON: {problem['msg']}"
    where = ".".join(str(part) for part in problem["loc"]) or "the review"
    return f"{where}: {problem['msg']}"


async def _read_review(request: web.Request, *, limit: int) -> AdmissionReview:
    if request.content_type != "application/json":
        raise BadReviewError("content_type", "the content type must be application/json")
    if request.content_length is not None and request.content_length > limit:
        raise BadReviewError("too_large", f"the body is larger than {limit} bytes")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as error:
        raise BadReviewError("too_large", f"the body is larger than {limit} bytes") from error
    try:
        # orjson parses the body a few times faster than pydantic's own JSON mode; only the
        # envelope is validated (the objects stay plain dicts for the sieve).
        return AdmissionReview.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        pass  # read again below, so a bad review gets the same reason and message as always
    try:
        return AdmissionReview.model_validate_json(body)
    except ValidationError as error:
        reason = "not_json" if error.errors()[0]["type"] == "json_invalid" else "invalid_review"
        raise BadReviewError(reason, _first_problem(error)) from error


async def validate(request: web.Request) -> web.Response:
    transport = request.app[TRANSPORT]
    metrics = transport.metrics
    started = time.perf_counter()
    uid = ""
    try:
        review = await _read_review(request, limit=transport.max_body_bytes)
        uid = review.request.uid
        try:
            response = await transport.reviewer.answer(review.request)
        except ObjectError as error:
            raise BadReviewError("invalid_object", str(error)) from error
        return web.Response(
            body=response_body(uid, response=response), content_type="application/json"
        )
    except BadReviewError as error:
        metrics.errors.labels(error.reason).inc()
        message = printable(str(error))
        LOGGER.warning("bad review", extra={"uid": uid, "reason": error.reason, "detail": message})
        return web.Response(status=400, text=f"bad admission review: {message}\n")
    except Exception:  # noqa: BLE001 - a bug answers 500 with the uid logged, never a crash
        metrics.errors.labels("internal").inc()
        LOGGER.exception("internal error answering a review", extra={"uid": uid})
        return web.Response(status=500, text="internal error\n")
    finally:
        metrics.duration.observe(time.perf_counter() - started)


def review_app(transport: Transport, *, readiness: Readiness) -> web.Application:
    """The application on the TLS port: /validate, /healthz, /readyz."""
    # One byte more than the cap, so the size check above is the one that speaks.
    app = web.Application(client_max_size=transport.max_body_bytes + 1)
    app[TRANSPORT] = transport
    app.router.add_post("/validate", validate)
    add_health_routes(app, readiness=readiness)
    return app
