"""The auditor's settings, parsed once from the command line and passed down.

Flags are validated into one typed object so that a bad value stops the run
with the flag named, before anything is read.
"""

import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.file_source import AssumedNamespace
from auditor.report import OutputFormat
from tiergate.names import validate_dns_label, validate_label_key, validate_label_value
from tiergate.remediation_report import RemediateMode
from tiergate_edge.arguments import ArgumentParser, config_path, duration, given_path
from tiergate_edge.failures import UsageError
from tiergate_edge.inputs import DEFAULT_MAX_INPUT_BYTES
from tiergate_edge.retry import RetryPolicy

DEFAULT_OWN_NAMESPACE = "tiergate-system"
OWN_NAMESPACE_VARIABLE = "POD_NAMESPACE"
IDENTITY_VARIABLE = "POD_NAME"  # the replica's name in the Lease (downward API)


class SettingsError(UsageError):
    """A bad command line (or environment); the message names the flag or variable."""


def parse_label_pairs(text: str) -> dict[str, str]:
    """`k=v,k2=v2` as kubectl writes labels; an empty string is no labels."""
    labels: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, equals, value = pair.partition("=")
        if not equals:
            raise ValueError(f"{pair!r} is not key=value")
        labels[validate_label_key(key.strip())] = validate_label_value(value.strip())
    return labels


class AuditorSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    once: bool
    files: tuple[str, ...]
    namespace: str | None = None
    namespace_labels: dict[str, str] | None = None
    config: Path | None = None
    output: OutputFormat = OutputFormat.TABLE
    own_namespace: str = DEFAULT_OWN_NAMESPACE
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    page_size: int = Field(default=500, ge=1, le=10_000)
    api_attempts: int = Field(default=5, ge=1, le=100)
    api_backoff: float = Field(default=0.5, gt=0, le=60)
    api_budget: float = Field(default=60.0, gt=0, le=3600)
    api_timeout: float = Field(default=30.0, gt=0, le=600)
    # Remediation (README, "Remediation").
    remediate: RemediateMode = RemediateMode.OFF
    grace: float = Field(default=1800.0, ge=0, le=365 * 86_400)
    max_remediations: int = Field(default=10, ge=1, le=10_000)
    # Continuous mode (without --once).
    interval: float = Field(default=60.0, ge=1, le=86_400)
    host: str = "0.0.0.0"  # noqa: S104 - Prometheus scrapes the pod on its pod IP
    metrics_port: int = Field(default=9091, ge=0, le=65_535)
    lease_name: str = "tiergate-auditor"
    lease_retry_period: float = Field(default=2.0, ge=0.1, le=60)
    identity: str = Field(default="", max_length=253)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.api_attempts,
            backoff_seconds=self.api_backoff,
            budget_seconds=self.api_budget,
            timeout_seconds=self.api_timeout,
        )

    @field_validator("namespace", "own_namespace", "lease_name")
    @classmethod
    def _dns_label(cls, value: str | None) -> str | None:
        return None if value is None else validate_dns_label(value)

    @property
    def assumed_namespace(self) -> AssumedNamespace | None:
        if self.namespace is None:
            return None
        return AssumedNamespace(name=self.namespace, labels=self.namespace_labels)


def _byte_count(text: str) -> int:
    try:
        count = int(text.replace("_", ""))
    except ValueError:
        count = 0
    if count <= 0:
        raise SettingsError(f"--max-input-bytes: {text!r} is not a positive number of bytes")
    return count


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="auditor",
        description="Find tier-gated components where their rule does not allow them.",
        epilog="Exit codes: 0 no unwanted or orphaned drift, 1 drift found, "
        "2 the audit could not complete.",
    )
    parser.add_argument("--once", action="store_true", help="audit once, print a report, exit")
    parser.add_argument(
        "-f",
        "--filename",
        dest="files",
        action="append",
        default=[],
        metavar="PATH",
        type=given_path,
        help="manifest file, directory, or - for standard input (repeatable)",
    )
    parser.add_argument(
        "--namespace",
        metavar="NAME",
        help="judge objects that carry no namespace (helm template output) as if in NAME",
    )
    parser.add_argument(
        "--namespace-labels",
        metavar="K=V,...",
        help="the labels of the --namespace namespace, as kubectl writes them",
    )
    parser.add_argument(
        "--config", type=config_path, metavar="FILE", help="rule configuration (YAML)"
    )
    parser.add_argument(
        "-o",
        "--output",
        choices=[f.value for f in OutputFormat],
        default="table",
        help="report format (default: table)",
    )
    parser.add_argument(
        "--own-namespace",
        metavar="NAME",
        help="tiergate's own namespace, always exempt (default: $POD_NAMESPACE or "
        f"{DEFAULT_OWN_NAMESPACE})",
    )
    parser.add_argument(
        "--max-input-bytes",
        metavar="N",
        default=str(DEFAULT_MAX_INPUT_BYTES),
        help="refuse an input (file or standard input) larger than N bytes "
        f"(default: {DEFAULT_MAX_INPUT_BYTES}, 2 GiB)",
    )
    service = parser.add_argument_group("continuous mode (without --once)")
    service.add_argument(
        "--interval",
        type=duration,
        default=60.0,
        metavar="DURATION",
        help="time between passes, jittered by up to 10%% (default 60s)",
    )
    service.add_argument(
        "--metrics-port",
        type=int,
        default=9091,
        metavar="PORT",
        help="plain HTTP /metrics, /healthz, /readyz (default 9091)",
    )
    service.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104
        help="address of the metrics port (default 0.0.0.0)",
    )
    service.add_argument(
        "--lease-name",
        default="tiergate-auditor",
        metavar="NAME",
        help="the Lease in the own namespace that elects the one replica that audits "
        "(default tiergate-auditor)",
    )
    service.add_argument(
        "--lease-retry-period",
        type=duration,
        default=2.0,
        metavar="DURATION",
        help="how often the Lease is renewed or tried; it lasts 6 and must be renewed "
        "within 5 of these (default 2s)",
    )
    cluster = parser.add_argument_group("reading the cluster (without -f)")
    cluster.add_argument(
        "--page-size", metavar="N", default="500", help="objects per list page (default 500)"
    )
    cluster.add_argument(
        "--api-attempts",
        metavar="N",
        default="5",
        help="tries per API request on 429, 5xx and connection errors (default 5)",
    )
    cluster.add_argument(
        "--api-backoff",
        metavar="SECONDS",
        default="0.5",
        help="first retry delay, doubled each try, jittered (default 0.5)",
    )
    cluster.add_argument(
        "--api-budget",
        metavar="SECONDS",
        default="60",
        help="the most time one request may take with its retries (default 60)",
    )
    cluster.add_argument(
        "--api-timeout", metavar="SECONDS", default="30", help="one try's timeout (default 30)"
    )
    remediation = parser.add_argument_group("remediation (README, 'Remediation')")
    remediation.add_argument(
        "--remediate",
        choices=[m.value for m in RemediateMode],
        default="off",
        help="off: report only; dry-run: send every write with dryRun=All; apply: act "
        "(default off)",
    )
    remediation.add_argument(
        "--grace",
        type=duration,
        default=1800.0,
        metavar="DURATION",
        help="act only on what has been unwanted this long, across complete passes "
        "(default 30m; 0 acts at once)",
    )
    remediation.add_argument(
        "--max-remediations",
        metavar="N",
        default="10",
        help="stacks acted on per pass at most (default 10)",
    )
    return parser


def _own_namespace(given: str | None, *, environ: Mapping[str, str]) -> tuple[str, str]:
    """The own namespace and where it came from, to name that in an error."""
    if given is not None:
        return given, "--own-namespace"
    from_environment = environ.get(OWN_NAMESPACE_VARIABLE)
    if from_environment:
        return from_environment, f"${OWN_NAMESPACE_VARIABLE}"
    return DEFAULT_OWN_NAMESPACE, "--own-namespace"


def parse_settings(argv: Sequence[str], *, environ: Mapping[str, str]) -> AuditorSettings:
    """The settings from the command line and the environment ($POD_NAMESPACE)."""
    args = _parser().parse_args(argv)
    own_namespace, own_namespace_origin = _own_namespace(args.own_namespace, environ=environ)
    if args.namespace_labels is not None and args.namespace is None:
        raise SettingsError("--namespace-labels needs --namespace NAME")
    try:
        labels = None
        if args.namespace_labels is not None:
            labels = parse_label_pairs(args.namespace_labels)
    except ValueError as error:
        raise SettingsError(f"--namespace-labels: {error}") from error
    if not args.once and args.files:
        raise SettingsError(
            "-f is for `--once`: files are audited once; without --once the auditor "
            "watches the cluster"
        )
    if args.remediate != RemediateMode.OFF and args.files:
        raise SettingsError("--remediate acts on the cluster: it cannot be used with -f")
    if args.namespace is not None and not args.files:
        raise SettingsError("--namespace is for files without a namespace: it needs -f PATH")
    try:
        return AuditorSettings(
            once=args.once,
            files=tuple(args.files),
            namespace=args.namespace,
            namespace_labels=labels,
            config=args.config,
            output=OutputFormat(args.output),
            own_namespace=own_namespace,
            max_input_bytes=_byte_count(args.max_input_bytes),
            page_size=args.page_size,
            api_attempts=args.api_attempts,
            api_backoff=args.api_backoff,
            api_budget=args.api_budget,
            api_timeout=args.api_timeout,
            remediate=RemediateMode(args.remediate),
            grace=args.grace,
            max_remediations=args.max_remediations,
            interval=args.interval,
            host=args.host,
            metrics_port=args.metrics_port,
            lease_name=args.lease_name,
            lease_retry_period=args.lease_retry_period,
            identity=environ.get(IDENTITY_VARIABLE) or socket.gethostname(),
        )
    except ValidationError as error:
        first = error.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-")
        if flag == "--own-namespace":
            flag = own_namespace_origin
        elif flag == "--identity":
            flag = f"${IDENTITY_VARIABLE}"
        raise SettingsError(f"{flag}: {first['msg'].removeprefix('Value error, ')}") from error
