"""A user's own rules reach both programs and the admission configuration: components/custom-rules
mounts the user's file, the programs read it from where it is mounted, and an admission
configuration rendered from the same file carries the hash the webhook computes from it."""

import io
import json
import shutil
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from auditor.__main__ import EXIT_DRIFT, run
from auditor.settings import parse_settings
from tests.auditor.process import ROOT
from tests.fakeapi import FakeApiServer
from tests.manifests.conftest import Renders
from tests.manifests.own_install import EXAMPLE, OWN, RULES_FILE, render_admission_config
from tests.manifests.rendered import (
    CUSTOM_RULES_VARIANTS,
    WEBHOOK_VARIANTS,
    Object,
    Variant,
    container,
    kustomize,
    of_kind,
    one,
    render,
)
from tiergate.admission_config import rules_hash
from tiergate_edge.config_file import load_config
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy
from webhook.__main__ import main as webhook_main
from webhook.admission_config_check import MATCH, MISMATCH, AdmissionConfigCheck
from webhook.metrics import create_metrics
from webhook.settings import parser, settings_from

RULES = (EXAMPLE / RULES_FILE).read_text(encoding="utf-8")
RULE_NAMES = ("mosquitto-exporter", "opencost")
SNAPSHOT = ROOT / "examples/cluster-snapshot.yaml"
WEBHOOKS = [v for v in CUSTOM_RULES_VARIANTS if v in WEBHOOK_VARIANTS]
NOT_REMEDIATING = [v for v in CUSTOM_RULES_VARIANTS if "components/remediation" not in v.components]


def _rules_map(objects: list[Object]) -> Object:
    (config_map,) = (
        c
        for c in of_kind(objects, "ConfigMap")
        if c["metadata"]["name"].startswith("tiergate-rules")
    )
    return config_map


def _deployment(objects: list[Object], program: str) -> Object:
    return one(objects, "Deployment", f"tiergate-{program}")


def _args_as_mounted(objects: list[Object], program: str, *, root: Path) -> list[str]:
    """The program's container args, its ConfigMap volumes laid out under `root` as the
    kubelet would mount them and every container path into them pointed there."""
    deployment = _deployment(objects, program)
    config_maps = {c["metadata"]["name"]: c for c in of_kind(objects, "ConfigMap")}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    places: dict[str, Path] = {}
    for mount in container(deployment)["volumeMounts"]:
        source = volumes[mount["name"]].get("configMap")
        if source is not None:
            directory = root / mount["mountPath"].lstrip("/")
            directory.mkdir(parents=True)
            for key, text in config_maps[source["name"]]["data"].items():
                (directory / key).write_text(text, encoding="utf-8")
            places[f"{mount['mountPath']}/"] = directory

    def local(argument: str) -> str:
        name, equals, value = argument.partition("=")
        for prefix, directory in places.items():
            if equals and value.startswith(prefix):
                return f"{name}={directory / value.removeprefix(prefix)}"
        return argument

    return [local(a) for a in container(deployment)["args"]]


@pytest.mark.parametrize("variant", CUSTOM_RULES_VARIANTS, ids=lambda v: v.name)
def test_both_programs_mount_the_rules_read_only_and_run_with_them(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    rules = _rules_map(objects)["metadata"]["name"]
    deployments = list(of_kind(objects, "Deployment"))
    assert {d["metadata"]["name"] for d in deployments} >= {"tiergate-auditor"}
    for deployment in deployments:
        program = container(deployment)
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        (mount,) = (m for m in program["volumeMounts"] if "configMap" in volumes[m["name"]])
        assert [a for a in program["args"] if a.startswith("--config")] == [
            f"--config={mount['mountPath']}/{RULES_FILE}"
        ]
        assert mount["readOnly"] is True
        assert volumes[mount["name"]]["configMap"]["name"] == rules


@pytest.mark.parametrize("variant", CUSTOM_RULES_VARIANTS, ids=lambda v: v.name)
def test_the_config_map_holds_the_user_s_file_as_written(
    renders: Renders, variant: Variant
) -> None:
    config_map = _rules_map(renders[variant])
    assert config_map["data"] == {RULES_FILE: RULES}
    assert config_map["metadata"]["name"] != "tiergate-rules", "the name carries the hash"


@pytest.mark.parametrize("variant", WEBHOOKS, ids=lambda v: v.name)
def test_the_webhook_s_check_config_accepts_the_mounted_rules(
    renders: Renders, variant: Variant, tmp_path: Path
) -> None:
    args = _args_as_mounted(renders[variant], "webhook", root=tmp_path)
    out = io.StringIO()
    with redirect_stdout(out):
        code = webhook_main([*args, "--check-config"], environ={})
    assert code == 0
    assert [line.split(":")[0] for line in out.getvalue().splitlines()] == [
        f"rule {name}" for name in RULE_NAMES
    ]


@pytest.mark.parametrize("variant", NOT_REMEDIATING, ids=lambda v: v.name)
def test_the_auditor_audits_with_the_mounted_rules(
    renders: Renders, variant: Variant, tmp_path: Path
) -> None:
    args = _args_as_mounted(renders[variant], "auditor", root=tmp_path)
    settings = parse_settings([*args, "--once", "-f", str(SNAPSHOT), "-o", "json"], environ={})
    out, err = io.StringIO(), io.StringIO()
    assert run(settings, stdin=None, stdout=out, stderr=err) == EXIT_DRIFT
    findings = json.loads(out.getvalue())["findings"]
    assert {(f["rule"], f["namespace"]) for f in findings if f["drift"] == "unwanted"} == {
        ("mosquitto-exporter", "customer-3c44d0b1"),
        # The Starter tenants' OpenCost: the second rule, read from the mounted file.
        ("opencost", "customer-3c44d0b1"),
        ("opencost", "customer-566129d9"),
    }


def _own_copy(renders: Renders, name: str) -> Path:
    """A copy of the cert-manager install of the example, for a user to edit."""
    directory = renders.manifests.parent / OWN / name
    shutil.copytree(renders.manifests.parent / OWN / "cert-manager", directory)
    return directory


def test_a_changed_rule_file_renames_the_config_map_and_so_rolls_both_programs(
    renders: Renders,
) -> None:
    before = renders[Variant(f"{OWN}/cert-manager")]
    directory = _own_copy(renders, "changed")
    rules = directory / RULES_FILE
    rules.write_text(RULES.replace("enforcement: warn", "enforcement: dryrun"), encoding="utf-8")
    render_admission_config(directory / "generated", rules=rules)
    after = render(renders.manifests, Variant(f"{OWN}/changed"))

    def mounted(objects: list[Object]) -> dict[str, set[str]]:
        return {
            d["metadata"]["name"]: {
                v["configMap"]["name"]
                for v in d["spec"]["template"]["spec"]["volumes"]
                if "configMap" in v
            }
            for d in of_kind(objects, "Deployment")
        }

    old, new = _rules_map(before)["metadata"]["name"], _rules_map(after)["metadata"]["name"]
    assert old != new
    assert mounted(before) == {"tiergate-webhook": {old}, "tiergate-auditor": {old}}
    assert mounted(after) == {"tiergate-webhook": {new}, "tiergate-auditor": {new}}


def _forget_the_generator(kustomization: Object) -> None:
    del kustomization["configMapGenerator"]


def _forget_the_namespace(kustomization: Object) -> None:
    del kustomization["configMapGenerator"][0]["namespace"]


@pytest.mark.parametrize(
    "mistake",
    [_forget_the_generator, _forget_the_namespace],
    ids=["no configMapGenerator", "the ConfigMap in another namespace"],
)
def test_without_the_user_s_config_map_the_render_fails_and_names_it(
    renders: Renders, mistake: Callable[[Object], None]
) -> None:
    directory = _own_copy(renders, mistake.__name__)
    path = directory / "kustomization.yaml"
    kustomization = yaml.safe_load(path.read_text(encoding="utf-8"))
    mistake(kustomization)
    path.write_text(yaml.safe_dump(kustomization), encoding="utf-8")
    done = kustomize(directory)
    assert done.returncode != 0
    assert "tiergate-rules" in done.stderr
    assert "cannot merge" in done.stderr


@pytest.mark.parametrize(
    ("variant", "relabel_keys"),
    [
        (Variant(f"{OWN}/cert-manager"), {"monitoring.dedicated", "tier"}),
        (Variant(f"{OWN}/static"), {"monitoring.dedicated", "tier"}),
        (Variant("overlays/static", ("components/custom-rules",)), {"monitoring.dedicated"}),
    ],
    ids=lambda v: v.name if isinstance(v, Variant) else "+".join(sorted(v)),
)
def test_only_an_admission_configuration_rendered_from_the_file_sends_its_relabels(
    renders: Renders, variant: Variant, relabel_keys: set[str]
) -> None:
    configuration = one(renders[variant], "ValidatingWebhookConfiguration", "tiergate")
    webhook = next(w for w in configuration["webhooks"] if w["name"] == "namespaces.tiergate.io")
    text = json.dumps(webhook["matchConditions"])
    assert {key for key in ("monitoring.dedicated", "tier") if f'\\"{key}\\"' in text} == (
        relabel_keys
    )


def test_the_vap_only_install_binds_a_policy_per_rule_of_the_file(renders: Renders) -> None:
    objects = renders[Variant(f"{OWN}/vap-only")]
    bindings = {
        b["metadata"]["name"]: b["spec"]["validationActions"]
        for b in of_kind(objects, "ValidatingAdmissionPolicyBinding")
    }
    assert bindings == {"tiergate-mosquitto-exporter": ["Deny"], "tiergate-opencost": ["Warn"]}


@pytest.mark.parametrize(
    ("variant", "gauge"),
    [
        (Variant(f"{OWN}/cert-manager"), MATCH),
        (Variant(f"{OWN}/static"), MATCH),
        # The rules mounted, the admission configuration not rendered from them again.
        (Variant("overlays/cert-manager", ("components/custom-rules",)), MISMATCH),
        (Variant("overlays/static", ("components/custom-rules",)), MISMATCH),
    ],
    ids=lambda v: v.name if isinstance(v, Variant) else {MATCH: "match", MISMATCH: "mismatch"}[v],
)
async def test_the_mismatch_gauge_catches_an_admission_configuration_not_rendered_again(
    renders: Renders,
    fake_api: FakeApiServer,
    tmp_path: Path,
    variant: Variant,
    gauge: float,
) -> None:
    objects = renders[variant]
    # What webhook/__main__ does with the container's args.
    args = parser("webhook").parse_args(_args_as_mounted(objects, "webhook", root=tmp_path))
    settings = settings_from(args, config=load_config(args.config), environ={})
    fake_api.seed(one(objects, "ValidatingWebhookConfiguration", settings.webhook_configuration))
    assert settings.config_file is not None
    async with await KubeApi.connect(
        retry=RetryPolicy(attempts=1), kubeconfig=str(fake_api.kubeconfig)
    ) as api:
        check = AdmissionConfigCheck(
            api,
            name=settings.webhook_configuration,
            rules_hash=rules_hash(settings.config),
            gauge=create_metrics(CollectorRegistry()).admission_config_mismatch,
            interval=3600,
        )
        assert await check.check() == gauge
