"""The certificates themselves: chain, names, key usage, lifetimes, renewal and CA rollover."""

import itertools
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.x509 import DNSName
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from certs.authority import Pair, make_ca, service_names
from certs.pki import Lifetimes, Pki, Step, ca_due, ensure, rotate_ca
from tests.certs.issued import utc

NOW = utc("2026-11-26T12:00:00")
NAMES = service_names("tiergate-webhook", namespace="tiergate-system")
LIFETIMES = Lifetimes(
    serving=timedelta(days=90), ca=timedelta(days=3650), renew_before=timedelta(days=30)
)


def _issued() -> Pki:
    pki, _ = ensure(Pki(), names=NAMES, now=NOW, lifetimes=LIFETIMES)
    return pki


def _serving(pki: Pki) -> Pair:
    assert pki.serving is not None
    return pki.serving


def _verifies(certificate: x509.Certificate, *, trusted: tuple[x509.Certificate, ...]) -> bool:
    """A full path validation (RFC 5280 / CA-B rules) for the name the API server calls."""
    verifier = (
        PolicyBuilder()
        .store(Store(list(trusted)))
        .time(NOW + timedelta(hours=1))
        .build_server_verifier(DNSName("tiergate-webhook.tiergate-system.svc"))
    )
    try:
        verifier.verify(certificate, [])
    except VerificationError:
        return False
    return True


def test_the_service_names_are_the_four_a_cluster_client_may_use() -> None:
    assert NAMES == (
        "tiergate-webhook",
        "tiergate-webhook.tiergate-system",
        "tiergate-webhook.tiergate-system.svc",
        "tiergate-webhook.tiergate-system.svc.cluster.local",
    )


def test_the_serving_certificate_chains_to_the_ca_and_to_no_other() -> None:
    pki = _issued()
    other = make_ca(now=NOW, validity=timedelta(days=10), name="another-ca")
    assert _verifies(_serving(pki).certificate, trusted=pki.trusted())
    assert not _verifies(_serving(pki).certificate, trusted=(other.certificate,))


def test_the_serving_certificate_names_exactly_the_services_four_names() -> None:
    certificate = _serving(_issued()).certificate
    sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == list(NAMES)


def test_the_serving_certificate_is_for_server_auth_only_and_cannot_sign() -> None:
    extensions = _serving(_issued()).certificate.extensions
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    purposes = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    assert not usage.value.crl_sign
    assert constraints.critical
    assert constraints.value.ca is False
    assert list(purposes) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_the_ca_signs_certificates_only_and_no_intermediate() -> None:
    pki = _issued()
    assert pki.current is not None
    extensions = pki.current.certificate.extensions
    usage = extensions.get_extension_for_class(x509.KeyUsage).value
    constraints = extensions.get_extension_for_class(x509.BasicConstraints).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert not usage.digital_signature
    assert constraints.ca is True
    assert constraints.path_length == 0


def test_the_serving_certificate_never_outlives_its_ca() -> None:
    short = Lifetimes(
        serving=timedelta(days=90), ca=timedelta(days=10), renew_before=timedelta(days=1)
    )
    pki, _ = ensure(Pki(), names=NAMES, now=NOW, lifetimes=short)
    assert pki.current is not None
    expiry = _serving(pki).certificate.not_valid_after_utc
    assert expiry == pki.current.certificate.not_valid_after_utc


@pytest.mark.parametrize(
    ("days_later", "reissued"),
    [(1, False), (59, False), (60, True), (89, True), (120, True)],
    ids=str,
)
def test_the_serving_certificate_is_reissued_once_within_renew_before_of_expiry(
    days_later: int, reissued: bool
) -> None:
    pki = _issued()
    later, reason = ensure(
        pki, names=NAMES, now=NOW + timedelta(days=days_later), lifetimes=LIFETIMES
    )
    assert (_serving(later).serial_hex != _serving(pki).serial_hex) is reissued
    assert (reason is not None) is reissued


def test_other_service_names_or_another_signing_ca_reissue_the_certificate() -> None:
    pki = _issued()
    renamed, reason = ensure(
        pki, names=service_names("gate", namespace="tiergate-system"), now=NOW, lifetimes=LIFETIMES
    )
    assert reason is not None
    assert "not the Service's" in reason
    assert _serving(renamed).serial_hex != _serving(pki).serial_hex
    foreign = make_ca(now=NOW, validity=timedelta(days=10), name="another-ca")
    _, reason = ensure(
        Pki(current=foreign, serving=pki.serving), names=NAMES, now=NOW, lifetimes=LIFETIMES
    )
    assert reason == "the CA that signs now did not sign it"


def test_each_ca_rollover_step_keeps_the_old_and_the_new_state_compatible() -> None:
    # The caBundle (webhook configuration) and the Secret (pods) change at different
    # moments: across each step, either certificate must verify against either bundle.
    states = [_issued()]
    steps = []
    for _ in range(3):
        state, step = rotate_ca(states[-1], now=NOW, lifetimes=LIFETIMES)
        states.append(state)
        steps.append(step)
    assert steps == [Step.INTRODUCE, Step.SWITCH, Step.RETIRE]
    assert [len(s.trusted()) for s in states] == [1, 2, 2, 1]
    for before, after in itertools.pairwise(states):
        for certificate in (_serving(before).certificate, _serving(after).certificate):
            for bundle in (before.trusted(), after.trusted()):
                assert _verifies(certificate, trusted=bundle)
    first, last = states[0], states[-1]
    assert first.current is not None
    assert last.current is not None
    assert last.trusted() == (last.current.certificate,)
    assert not _verifies(_serving(first).certificate, trusted=last.trusted())


def test_a_ca_near_its_end_is_due_for_rollover_until_one_has_started() -> None:
    pki = _issued()
    late = NOW + timedelta(days=3650 - 10)
    assert not ca_due(pki, now=NOW, renew_before=LIFETIMES.renew_before)
    assert ca_due(pki, now=late, renew_before=LIFETIMES.renew_before)
    started, _ = rotate_ca(pki, now=late, lifetimes=LIFETIMES)
    assert not ca_due(started, now=late, renew_before=LIFETIMES.renew_before)


def test_a_pair_never_shows_its_key_in_its_repr() -> None:
    serving = _serving(_issued())
    assert "PRIVATE" not in repr(serving)
    assert serving.key_pem().decode().split("\n")[1] not in repr(serving)
