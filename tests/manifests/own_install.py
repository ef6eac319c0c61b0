"""Installs that run a user's own rules, built the way the README tells a user to: a
directory beside the checkout (examples/custom-rules copied), the admission configuration
rendered from its rule file by `webhook --render-admission-config`, and one kustomization
per way of installing."""

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import yaml

from tests.auditor.process import ROOT
from webhook.__main__ import main as webhook_main

EXAMPLE = ROOT / "examples/custom-rules"
RULES_FILE = "tiergate-rules.yaml"
CUSTOM_RULES = "components/custom-rules"
OWN = "own"  # the directory, beside manifests/, that holds the user's installs
_MANIFESTS = "../../manifests"
_STATIC_FILES = ("tls-secret.yaml", "ca-bundle.yaml")  # tiergate-certs --out DIR
# What a user changes in the example's kustomization (written for cert-manager).
_FLAVOURS: dict[str, dict[str, list[str]]] = {
    "cert-manager": {},
    "static": {
        "resources": [f"{_MANIFESTS}/base", "generated/webhook", *_STATIC_FILES],
        "components": [
            f"{_MANIFESTS}/components/static-certificate",
            f"{_MANIFESTS}/{CUSTOM_RULES}",
        ],
    },
    "vap-only": {
        "resources": [
            f"{_MANIFESTS}/base/namespace",
            f"{_MANIFESTS}/base/auditor",
            "generated/policy",
        ],
        "components": [f"{_MANIFESTS}/{CUSTOM_RULES}"],
    },
}
FLAVOURS = tuple(_FLAVOURS)


def render_admission_config(directory: Path, *, rules: Path) -> None:
    """`webhook --render-admission-config DIRECTORY --config RULES`, as the user runs it."""
    with redirect_stdout(io.StringIO()):
        code = webhook_main(
            ["--render-admission-config", str(directory), "--config", str(rules)], environ={}
        )
    assert code == 0


def write_own_installs(tree: Path, *, certificates: Path) -> None:
    """`tree/own/FLAVOUR` for every flavour; `certificates` holds tiergate-certs output."""
    for flavour, changes in _FLAVOURS.items():
        directory = tree / OWN / flavour
        shutil.copytree(EXAMPLE, directory, ignore=shutil.ignore_patterns("generated"))
        render_admission_config(directory / "generated", rules=directory / RULES_FILE)
        path = directory / "kustomization.yaml"
        kustomization: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump({**kustomization, **changes}), encoding="utf-8")
        if flavour == "static":
            for name in _STATIC_FILES:
                shutil.copy(certificates / name, directory / name)


def add_rules(kustomization: dict[str, Any], *, directory: Path, rules: Path) -> None:
    """Make the ConfigMap components/custom-rules mounts from `rules`, as the example does."""
    shutil.copy(rules, directory / RULES_FILE)
    example = yaml.safe_load((EXAMPLE / "kustomization.yaml").read_text(encoding="utf-8"))
    kustomization["configMapGenerator"] = example["configMapGenerator"]
