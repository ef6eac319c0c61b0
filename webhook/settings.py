"""The webhook's settings: parsed once from the command line in `__main__`, passed down.

Every knob a test shortens (poll intervals, the shutdown delay) is here, so no
module keeps a constant a test would have to patch.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tiergate.config import TiergateConfig
from tiergate_edge.arguments import ArgumentParser, config_path, duration
from tiergate_edge.failures import UsageError

# kube-apiserver accepts end-user bodies up to 3 MiB; a review carries the object and the
# old object (with managedFields), so twice that and some more.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    config: TiergateConfig
    config_file: Path | None
    tls_cert: Path
    tls_key: Path
    host: str = "0.0.0.0"  # noqa: S104 - the API server reaches the pod on its pod IP
    port: int = 8443
    metrics_port: int = 9090
    own_namespace: str = "tiergate-system"
    shutdown_delay: float = 10.0
    certificate_poll: float = 10.0
    deny_unknown_namespace: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    kubeconfig: str | None = None


def parser(prog: str) -> ArgumentParser:
    arguments = ArgumentParser(prog=prog, description="tiergate admission webhook")
    add = arguments.add_argument
    add("--config", type=config_path, metavar="FILE", help="rule configuration (YAML)")
    add("--check-config", action="store_true", help="validate the configuration and exit")
    add("--tls-cert", type=config_path, metavar="FILE", help="serving certificate (PEM)")
    add("--tls-key", type=config_path, metavar="FILE", help="its private key (PEM)")
    add("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")  # noqa: S104
    add("--port", type=int, default=8443, help="HTTPS port for reviews (default 8443)")
    add("--metrics-port", type=int, default=9090, help="plain HTTP /metrics (default 9090)")
    add("--shutdown-delay", type=duration, default=10.0, help="keep serving after SIGTERM")
    add("--certificate-poll", type=duration, default=10.0, help="how often to re-read the cert")
    add("--on-namespace-error", choices=("deny", "allow"), default="deny")
    add("--own-namespace", default=None, help="tiergate's own namespace")
    add("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    return arguments


def settings_from(args: object, *, config: TiergateConfig, environ: Mapping[str, str]) -> Settings:
    """Settings from parsed arguments; a missing TLS flag is a usage error."""
    values = vars(args)
    if values["tls_cert"] is None or values["tls_key"] is None:
        raise UsageError("--tls-cert and --tls-key are required to serve (or use --check-config)")
    for flag in ("port", "metrics_port"):
        if not 0 <= values[flag] <= 65535:
            raise UsageError(f"--{flag.replace('_', '-')}: {values[flag]} is not a port")
    if values["max_body_bytes"] < 1:
        raise UsageError("--max-body-bytes must be positive")
    return Settings(
        config=config,
        config_file=values["config"],
        tls_cert=values["tls_cert"],
        tls_key=values["tls_key"],
        host=values["host"],
        port=values["port"],
        metrics_port=values["metrics_port"],
        own_namespace=values["own_namespace"] or environ.get("POD_NAMESPACE") or "tiergate-system",
        shutdown_delay=values["shutdown_delay"],
        certificate_poll=values["certificate_poll"],
        deny_unknown_namespace=values["on_namespace_error"] == "deny",
        max_body_bytes=values["max_body_bytes"],
        kubeconfig=environ.get("KUBECONFIG"),
    )
