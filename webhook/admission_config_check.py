"""Is the cluster's webhook configuration rendered from the rules this webhook runs?

Rules edited without rendering the admission config again leave matchConditions
that may keep new components away from the webhook; the rules hash annotation
makes that visible as a gauge, read periodically and never a reason to be unready.
"""

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping

from prometheus_client import Gauge

from tiergate.admission_config import RULES_HASH_ANNOTATION
from tiergate_edge.kube_api import ApiError, KubeApi, NotFoundError
from tiergate_edge.retry import RetryPolicy

LOGGER = logging.getLogger("tiergate.webhook.admission_config")
CONFIGURATIONS_PATH = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"
MISMATCH, MATCH, UNKNOWN = 1.0, 0.0, math.nan


def _annotation(body: object) -> str | None:
    metadata = body.get("metadata") if isinstance(body, Mapping) else None
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    found = annotations.get(RULES_HASH_ANNOTATION) if isinstance(annotations, Mapping) else None
    return found if isinstance(found, str) else None


class AdmissionConfigCheck:
    """Sets `gauge` to 1 when the configuration `name` is absent, lacks the annotation or
    carries another hash, 0 when it carries `rules_hash`; NaN until the first read. An API
    error keeps the last value (logged), so one blip neither raises nor clears an alert."""

    def __init__(
        self,
        api: KubeApi,
        *,
        name: str,
        rules_hash: str,
        gauge: Gauge,
        interval: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._api = api
        self._name = name
        self._expected = rules_hash
        self._gauge = gauge
        self._interval = interval
        self._sleep = sleep
        # One quick try a round: the next round is the retry.
        self._retry = RetryPolicy(attempts=1, budget_seconds=5.0, timeout_seconds=5.0)
        self.value = UNKNOWN
        gauge.set(UNKNOWN)

    async def check(self) -> float:
        """Read the configuration once; the gauge's value afterwards."""
        path = f"{CONFIGURATIONS_PATH}/{self._name}"
        details = {"configuration": self._name, "expected": self._expected}
        try:
            body = await self._api.request("GET", path, retry=self._retry)
        except NotFoundError:
            LOGGER.warning("the webhook configuration does not exist", extra=details)
            self._set(MISMATCH)
        except ApiError as error:
            LOGGER.warning(
                "cannot read the webhook configuration", extra={**details, "error": str(error)}
            )
        else:
            found = _annotation(body)
            if found != self._expected:
                LOGGER.warning(
                    "the webhook configuration was rendered from other rules: render it again",
                    extra={**details, "found": found},
                )
            self._set(MATCH if found == self._expected else MISMATCH)
        return self.value

    def _set(self, value: float) -> None:
        self.value = value
        self._gauge.set(value)

    async def run(self) -> None:
        """Check, then wait `interval`, forever (cancel to stop)."""
        while True:
            await self.check()
            await self._sleep(self._interval)
