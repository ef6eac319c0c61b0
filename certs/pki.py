"""What the PKI should be next: a CA, a serving certificate that is due or not, a CA rollover.

A CA is rolled over in three steps, each applied to the cluster before the next, so
that whichever of two consecutive states the API server and the webhook pods are in
(the caBundle and the Secret are not updated at the same instant), the served
certificate verifies against the caBundle:
  1. introduce: a new CA is trusted beside the old one; the old one still signs;
  2. switch: the new CA signs a new serving certificate; both are still trusted;
  3. retire: the old CA is no longer trusted.
"""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography import x509

from certs.authority import Pair, dns_names, issue_serving, make_ca, renewal_due, signed_by


class Step(StrEnum):
    INTRODUCE = "introduce"
    SWITCH = "switch"
    RETIRE = "retire"


@dataclass(frozen=True)
class Lifetimes:
    serving: timedelta
    ca: timedelta
    renew_before: timedelta


@dataclass(frozen=True)
class Pki:
    """The CA that signs now, the one being introduced, the one being retired, the serving pair."""

    current: Pair | None = None
    incoming: Pair | None = None
    outgoing: x509.Certificate | None = None
    serving: Pair | None = None

    def trusted(self) -> tuple[x509.Certificate, ...]:
        """The caBundle: every CA a client must trust in this state, oldest first."""
        found = (
            self.outgoing,
            None if self.current is None else self.current.certificate,
            None if self.incoming is None else self.incoming.certificate,
        )
        return tuple(c for c in found if c is not None)

    def next_step(self) -> Step:
        if self.incoming is not None:
            return Step.SWITCH
        return Step.RETIRE if self.outgoing is not None else Step.INTRODUCE


def _ca_name(now: datetime) -> str:
    # A distinct name for each CA, even two made in the same second: the bundle holds
    # two during a rollover, and people (and chain building) tell them apart by name.
    return f"tiergate-webhook-ca-{now:%Y%m%d}-{secrets.token_hex(4)}"


def rotate_ca(pki: Pki, *, now: datetime, lifetimes: Lifetimes) -> tuple[Pki, Step]:
    """Take one step of the CA rollover (see the module's docstring)."""
    current, incoming = pki.current, pki.incoming
    if current is None:
        raise ValueError("there is no CA to roll over yet: run without --rotate-ca first")
    if incoming is not None:
        serving = issue_serving(incoming, names=_names(pki), now=now, validity=lifetimes.serving)
        return Pki(current=incoming, outgoing=current.certificate, serving=serving), Step.SWITCH
    if pki.outgoing is not None:
        return replace(pki, outgoing=None), Step.RETIRE
    introduced = make_ca(now=now, validity=lifetimes.ca, name=_ca_name(now))
    return replace(pki, incoming=introduced), Step.INTRODUCE


def _names(pki: Pki) -> tuple[str, ...]:
    if pki.serving is None:
        raise ValueError("there is no serving certificate yet: run without --rotate-ca first")
    return dns_names(pki.serving.certificate)


def ensure(
    pki: Pki, *, names: tuple[str, ...], now: datetime, lifetimes: Lifetimes
) -> tuple[Pki, str | None]:
    """A CA and a serving certificate for `names` that is not due; why it was (re)issued."""
    current = pki.current or make_ca(now=now, validity=lifetimes.ca, name=_ca_name(now))
    pki = replace(pki, current=current)
    reason = _reissue_reason(pki, names=names, now=now, renew_before=lifetimes.renew_before)
    if reason is None:
        return pki, None
    serving = issue_serving(current, names=names, now=now, validity=lifetimes.serving)
    return replace(pki, serving=serving), reason


def _reissue_reason(
    pki: Pki, *, names: tuple[str, ...], now: datetime, renew_before: timedelta
) -> str | None:
    serving, current = pki.serving, pki.current
    if serving is None or current is None:
        return "there was none"
    certificate = serving.certificate
    if not signed_by(certificate, ca=current.certificate):
        return "the CA that signs now did not sign it"
    if set(dns_names(certificate)) != set(names):
        return f"its names {', '.join(dns_names(certificate))} are not the Service's"
    if renewal_due(certificate, now=now, renew_before=renew_before):
        return f"it expires {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC (--renew-before)"
    return None


def ca_due(pki: Pki, *, now: datetime, renew_before: timedelta) -> bool:
    """The signing CA itself expires within `renew_before` and no rollover has started."""
    current = pki.current
    return (
        current is not None
        and pki.next_step() is Step.INTRODUCE
        and renewal_due(current.certificate, now=now, renew_before=renew_before)
    )
