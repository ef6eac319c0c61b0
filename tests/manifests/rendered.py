"""The install as `kubectl kustomize` renders it: every overlay, alone and with the components.

The manifests are copied to a temporary tree (kustomize refuses absolute paths, and
the static overlay needs `tiergate-certs` output, which is never checked in), then
each variant is rendered once per session.
"""

import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from certs.__main__ import main as certs_main
from tests.auditor.process import ROOT
from tests.manifests.own_install import (
    CUSTOM_RULES,
    EXAMPLE,
    FLAVOURS,
    OWN,
    RULES_FILE,
    add_rules,
    write_own_installs,
)

MANIFESTS = ROOT / "manifests"
KUBECTL = shutil.which("kubectl") or "kubectl"
NAMESPACE = "tiergate-system"
Object = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """An overlay, and the components a user's own kustomization adds to it; or, under
    own/, a user's install of their own rules (tests.manifests.own_install)."""

    overlay: str
    components: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return "+".join((self.overlay, *self.components))

    @property
    def own(self) -> bool:
        return self.overlay.startswith(f"{OWN}/")

    def directory(self, manifests: Path) -> Path:
        return (manifests.parent if self.own else manifests) / self.overlay


OVERLAYS = ("overlays/cert-manager", "overlays/static", "overlays/vap-only")
VARIANTS = (
    Variant("base"),
    *(Variant(overlay) for overlay in OVERLAYS),
    *(
        Variant(overlay, components)
        for overlay in ("overlays/cert-manager", "overlays/static")
        for components in (
            ("components/remediation",),
            ("components/vap",),
            ("components/remediation", "components/vap"),
        )
    ),
    Variant("overlays/vap-only", ("components/remediation",)),
    # The example rules mounted into an overlay's programs (its admission configuration
    # stays the default one: what a user who forgot to render again would install) ...
    *(Variant(overlay, (CUSTOM_RULES,)) for overlay in OVERLAYS),
    Variant("overlays/static", ("components/remediation", CUSTOM_RULES)),
    # ... and into installs with the admission configuration rendered from them.
    *(Variant(f"{OWN}/{flavour}") for flavour in FLAVOURS),
    # Owned by the monitoring manifests; rendered here when they are present.
    *((Variant("monitoring"),) if (MANIFESTS / "monitoring/kustomization.yaml").exists() else ()),
)
WEBHOOK_VARIANTS = tuple(v for v in VARIANTS if v.overlay.endswith(("/cert-manager", "/static")))
CUSTOM_RULES_VARIANTS = tuple(v for v in VARIANTS if v.own or CUSTOM_RULES in v.components)


def prepare(tree: Path) -> Path:
    """A copy of manifests/ with the static overlay's certificate files made by tiergate-certs,
    and the user's own installs beside it."""
    copy = tree / "manifests"
    shutil.copytree(MANIFESTS, copy)
    static = copy / "overlays/static"
    code = certs_main(["--pki-dir", str(tree / "pki"), "--out", str(static)], environ={})
    assert code == 0
    write_own_installs(tree, certificates=static)
    return copy


def generated(manifests: Path, variant: Variant) -> Path:
    """The admission configuration the variant installs: the checked-in one, or its own."""
    return (variant.directory(manifests) if variant.own else manifests) / "generated"


def kustomize(directory: Path) -> subprocess.CompletedProcess[str]:
    """`kubectl kustomize DIRECTORY`, its output and its error."""
    return subprocess.run(
        [KUBECTL, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def render(manifests: Path, variant: Variant) -> list[Object]:
    """The objects `kubectl kustomize` renders for `variant`; a failure shows kubectl's message."""
    directory = variant.directory(manifests)
    if variant.components:
        directory = manifests / "variants" / variant.name.replace("/", "-")
        directory.mkdir(parents=True)
        kustomization: Object = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [f"../../{variant.overlay}"],
            "components": [f"../../{c}" for c in variant.components],
        }
        if CUSTOM_RULES in variant.components:
            add_rules(kustomization, directory=directory, rules=EXAMPLE / RULES_FILE)
        (directory / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    done = kustomize(directory)
    assert done.returncode == 0, f"kubectl kustomize {variant.name}: {done.stderr}"
    return [document for document in yaml.safe_load_all(done.stdout) if document]


def of_kind(objects: Sequence[Object], kind: str) -> Iterator[Object]:
    return (o for o in objects if o["kind"] == kind)


def one(objects: Sequence[Object], kind: str, name: str) -> Object:
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} rendered"
    return found[0]


def container(deployment: Object) -> Object:
    containers: list[Object] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def flag(container_: Object, name: str) -> str | None:
    """The value of `--name=value` among the container's args."""
    for argument in container_.get("args", []):
        key, _, value = str(argument).partition("=")
        if key == name:
            return value
    return None
