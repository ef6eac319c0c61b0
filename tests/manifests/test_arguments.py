"""Every container the manifests run starts with arguments its program accepts: the rendered
args go through the program's own parser and settings, so a flag renamed or removed in code
fails here rather than in a cluster, and the settings agree with the pod around them."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from auditor.settings import AuditorSettings, parse_settings
from tests.manifests.conftest import Renders
from tests.manifests.rendered import VARIANTS, Object, Variant, container, of_kind
from tiergate.config import default_config
from tiergate.remediation_report import RemediateMode
from tiergate_edge.failures import UsageError
from webhook.settings import Settings, parser, settings_from

POD_NAME = "tiergate-pod-0"


def _webhook(argv: Sequence[str], *, environ: Mapping[str, str]) -> Settings:
    args = parser("webhook").parse_args(argv)
    return settings_from(args, config=default_config(), environ=environ)


def _auditor(argv: Sequence[str], *, environ: Mapping[str, str]) -> AuditorSettings:
    return parse_settings(argv, environ=environ)


PROGRAMS: dict[str, Callable[..., Any]] = {"webhook": _webhook, "auditor": _auditor}
WITH_PROGRAMS = [v for v in VARIANTS if v.overlay != "monitoring"]


def _environment(deployment: Object) -> dict[str, str]:
    """The container's environment as the kubelet fills it in from the downward API."""
    fields = {"metadata.namespace": deployment["metadata"]["namespace"], "metadata.name": POD_NAME}
    return {
        e["name"]: e["value"] if "value" in e else fields[e["valueFrom"]["fieldRef"]["fieldPath"]]
        for e in container(deployment).get("env", [])
    }


def _settings(deployment: Object) -> Any:
    program = container(deployment)
    (command,) = program["command"]
    return PROGRAMS[command](program.get("args", []), environ=_environment(deployment))


@pytest.mark.parametrize("variant", WITH_PROGRAMS, ids=lambda v: v.name)
def test_every_container_s_args_are_accepted_by_its_program_s_own_parser(
    renders: Renders, variant: Variant
) -> None:
    deployments = list(of_kind(renders[variant], "Deployment"))
    assert deployments
    for deployment in deployments:
        settings = _settings(deployment)
        ports = {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}
        assert settings.own_namespace == deployment["metadata"]["namespace"]
        assert settings.metrics_port == ports["metrics"]
        if isinstance(settings, Settings):
            assert settings.port == ports["https"]


@pytest.mark.parametrize("variant", WITH_PROGRAMS, ids=lambda v: v.name)
def test_the_auditor_runs_as_a_service_and_remediates_only_with_the_component(
    renders: Renders, variant: Variant
) -> None:
    auditor = next(
        d
        for d in of_kind(renders[variant], "Deployment")
        if d["metadata"]["name"] == "tiergate-auditor"
    )
    settings = _settings(auditor)
    remediates = "components/remediation" in variant.components
    assert settings.once is False
    assert settings.identity == POD_NAME
    assert settings.remediate == (RemediateMode.APPLY if remediates else RemediateMode.OFF)


@pytest.mark.parametrize(
    ("program", "argv", "problem"),
    [
        ("webhook", ["--tls-cert=/c", "--tls-key=/k", "--metrics-prot=9090"], "unrecognized"),
        ("webhook", ["--tls-cert=/c", "--tls-key=/k", "--shutdown=10s"], "unrecognized"),
        ("auditor", ["--interv=60s"], "unrecognized"),
        ("auditor", ["--lease-name", "tiergate-auditor", "--remediate=yes"], "invalid choice"),
    ],
    ids=["a misspelt flag", "a flag's old shorter name", "a prefix of a flag", "a bad value"],
)
def test_the_parsers_refuse_what_a_stale_manifest_would_pass(
    program: str, argv: list[str], problem: str
) -> None:
    with pytest.raises(UsageError, match=problem):
        PROGRAMS[program](argv, environ={})
