"""Answering one parsed review, apart from HTTP: screen, look up, judge, count, log.

The HTTP layer (webhook.app) only reads bodies and writes responses; this is
kopf's `serve_admission_request` split: the decision is the core's, and a test
can drive it without a server.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from tiergate.admission import Admission, Pending, Response, Result
from webhook.metrics import Children, WebhookMetrics
from webhook.namespaces import NamespaceSource
from webhook.review import AdmissionRequest

LOGGER = logging.getLogger("tiergate.webhook")


def _now() -> datetime:
    return datetime.now(UTC)


class Reviewer:
    """Answers reviews for one configuration and namespace source."""

    def __init__(
        self,
        admission: Admission,
        *,
        namespaces: NamespaceSource,
        metrics: WebhookMetrics,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._admission = admission
        self._namespaces = namespaces
        self._metrics = metrics
        self._clock = clock
        self._children = Children()

    async def answer(self, request: AdmissionRequest) -> Response:
        """The verdict on one review request. Raises ObjectError for an unreadable object."""
        review = request.review_request()
        screened = self._admission.screen(review)
        if isinstance(screened, Pending):
            lookup = await self._namespaces.lookup(screened.namespace)
            self._children(self._metrics.namespace_lookups, lookup.result).inc()
            screened = self._admission.judge(screened, labels=lookup.labels, now=self._clock())
        self._metrics.count(
            screened,
            operation=review.operation,
            kind=review.kind,
            dry_run=review.dry_run,
            children=self._children,
        )
        for rule in screened.rules:
            if rule.result == Result.DENIED:
                _log_denial(request, response=screened)
                break
        return screened


def _log_denial(request: AdmissionRequest, *, response: Response) -> None:
    """One line per denial (dryrun ones too): who asked for what; never the object itself."""
    LOGGER.info(
        "denied" if not response.allowed else "would deny (dryrun)",
        extra={
            "review": {
                "uid": request.uid,
                "namespace": request.namespace,
                "kind": request.kind.kind,
                "name": request.name,
                "user": request.user_info.username,
                "operation": request.operation,
                "dryRun": request.dry_run,
            },
            "rules": [r.rule for r in response.rules if r.result == Result.DENIED],
        },
    )
