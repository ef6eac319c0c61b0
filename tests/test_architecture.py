"""The layering DESIGN.md fixes: the core imports neither program nor the edge package,
the shared edge imports the core at most, and the programs (certs/ included) never import
each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "tiergate": {
        "webhook",
        "auditor",
        "tiergate_edge",
        "aiohttp",
        "kubernetes_asyncio",
        "prometheus_client",
    },
    "tiergate_edge": {"webhook", "auditor"},
    "webhook": {"auditor"},
    "auditor": {"webhook"},
    "certs": {"webhook", "auditor"},
}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN), ids=lambda p: f"{p} keeps its layer")
def test_a_package_never_imports_what_its_layer_forbids(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package}/ has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_top_levels(path) & FORBIDDEN[package])
        for path in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_policy_core_does_no_file_or_network_io() -> None:
    io_modules = {"socket", "subprocess", "urllib", "http", "asyncio", "os"}
    used = {
        str(path.relative_to(ROOT)): sorted(_imported_top_levels(path) & io_modules)
        for path in sorted((ROOT / "tiergate").rglob("*.py"))
    }
    assert {k: v for k, v in used.items() if v} == {}
