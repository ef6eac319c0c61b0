"""`webhook --render-admission-config`: the checked-in manifests/generated are its output."""

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import yaml

from tests.test_architecture import ROOT
from webhook.__main__ import main

GENERATED = ROOT / "manifests" / "generated"


def _render(directory: Path, *arguments: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--render-admission-config", str(directory), *arguments], environ={})
    return code, out.getvalue()


def _files(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_the_checked_in_admission_config_is_what_the_command_renders_for_the_default_rule(
    tmp_path: Path,
) -> None:
    code, _ = _render(tmp_path)
    assert code == 0
    assert _files(GENERATED) == _files(tmp_path), (
        "manifests/generated differs from the rendering: run "
        "`webhook --render-admission-config manifests/generated`"
    )


def test_the_command_names_every_file_it_writes(tmp_path: Path) -> None:
    code, out = _render(tmp_path)
    assert code == 0
    assert sorted(out.splitlines()) == sorted(
        f"wrote {tmp_path / name}" for name in _files(tmp_path)
    )


def test_a_user_rule_file_reaches_the_rendered_objects(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(
        "rules:\n"
        "- name: opencost\n"
        "  component: {names: ['opencost*']}\n"
        "  allowedIn: {matchLabels: {finops.example.com/enabled: 'true'}}\n"
        "  enforcement: warn\n"
        "  fixHint: disable opencost\n",
        encoding="utf-8",
    )
    code, _ = _render(tmp_path / "out", "--config", str(config), "--own-namespace", "gate")
    assert code == 0
    webhook = yaml.safe_load(
        (tmp_path / "out/webhook/validating-webhook-configuration.yaml").read_text("utf-8")
    )
    selector = webhook["webhooks"][0]["namespaceSelector"]["matchExpressions"][0]
    assert "gate" in selector["values"]
    assert webhook["webhooks"][0]["clientConfig"]["service"]["namespace"] == "gate"
    bindings = list(
        yaml.safe_load_all(
            (tmp_path / "out/policy/validating-admission-policy-bindings.yaml").read_text("utf-8")
        )
    )
    assert [(b["metadata"]["name"], b["spec"]["validationActions"]) for b in bindings] == [
        ("tiergate-opencost", ["Warn"])
    ]


def test_an_unwritable_directory_is_an_error_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    err = io.StringIO()
    with redirect_stderr(err):
        code, _ = _render(blocker)
    assert code == 2
    assert str(blocker) in err.getvalue()
