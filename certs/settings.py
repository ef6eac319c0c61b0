"""`tiergate-certs` settings: parsed once from the command line in `__main__`, passed down."""

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from certs.pki import Lifetimes
from tiergate_edge.arguments import ArgumentParser, config_path
from tiergate_edge.failures import UsageError

_LIFETIME = re.compile(r"(?P<value>\d+)(?P<unit>[dh])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1)}
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Settings:
    pki_dir: Path
    out: Path
    service: str
    namespace: str
    secret: str
    lifetimes: Lifetimes
    rotate_ca: bool


def lifetime(text: str) -> timedelta:
    """`90d` or `2160h`: certificates live days, so nothing finer."""
    found = _LIFETIME.fullmatch(text.strip())
    if found is None or int(found["value"]) == 0:
        raise ValueError(f"{text!r} is not a lifetime (a positive 90d or 2160h)")
    return int(found["value"]) * _UNITS[found["unit"]]


def parser(prog: str) -> ArgumentParser:
    arguments = ArgumentParser(
        prog=prog,
        description="make, renew and roll over the webhook's certificates for the static overlay",
    )
    add = arguments.add_argument
    add(
        "--pki-dir",
        type=config_path,
        required=True,
        metavar="DIR",
        help="where the CA and serving keys live between runs (keep it private)",
    )
    add(
        "--out",
        type=config_path,
        default=Path("manifests/overlays/static"),
        metavar="DIR",
        help="where tls-secret.yaml and ca-bundle.yaml go (default manifests/overlays/static)",
    )
    add("--service", default="tiergate-webhook", help="the webhook's Service")
    add("--namespace", default="tiergate-system", help="tiergate's own namespace")
    add("--secret", default="tiergate-webhook-tls", help="the Secret the webhook mounts")
    add("--validity", default="90d", help="serving certificate lifetime (default 90d)")
    add("--ca-validity", default="3650d", help="CA lifetime (default 3650d)")
    add(
        "--renew-before",
        default="30d",
        help="reissue the serving certificate when it expires sooner (default 30d)",
    )
    add("--rotate-ca", action="store_true", help="take the next step of a CA rollover")
    return arguments  # fmt: skip


def settings_from(args: object) -> Settings:
    values = vars(args)
    for flag in ("service", "namespace", "secret"):
        if _DNS_LABEL.fullmatch(values[flag]) is None:
            raise UsageError(f"--{flag}: {values[flag]!r} is not a DNS label")
    parsed: dict[str, timedelta] = {}
    for flag in ("validity", "ca_validity", "renew_before"):
        try:
            parsed[flag] = lifetime(values[flag])
        except ValueError as error:
            raise UsageError(f"--{flag.replace('_', '-')}: {error}") from None
    if parsed["renew_before"] >= parsed["validity"]:
        raise UsageError("--renew-before must be shorter than --validity (or every run reissues)")
    if parsed["validity"] > parsed["ca_validity"]:
        raise UsageError("--validity must not exceed --ca-validity")
    return Settings(
        pki_dir=values["pki_dir"],
        out=values["out"],
        service=values["service"],
        namespace=values["namespace"],
        secret=values["secret"],
        lifetimes=Lifetimes(
            serving=parsed["validity"],
            ca=parsed["ca_validity"],
            renew_before=parsed["renew_before"],
        ),
        rotate_ca=values["rotate_ca"],
    )
