"""The image recipe, checked without a container engine: hadolint passes, every file it
copies exists and passes .dockerignore, the final stages run a numeric non-root user from
a tag-pinned slim base, and the entrypoints are the project's console scripts."""

import json
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.auditor.process import ROOT

DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = text.replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for instruction, arguments in _instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if instruction == "FROM":
            current = [(instruction, arguments)]
            stages[arguments.split()[-1]] = current
        else:
            current.append((instruction, arguments))
    return stages


def _hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    done = _hadolint(DOCKERFILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_does_flag_an_unpinned_root_image(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install tiergate\n", encoding="utf-8")
    done = _hadolint(bad)
    assert done.returncode != 0
    assert "DL3007" in done.stdout  # latest tag


def test_every_file_the_image_copies_exists_and_passes_dockerignore() -> None:
    allowed = {
        line.removeprefix("!").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    sources = [
        source
        for instructions in _stages().values()
        for instruction, arguments in instructions
        if instruction == "COPY" and not arguments.startswith("--from")
        for source in shlex.split(arguments)[:-1]
    ]
    assert sources
    assert [s for s in sources if not (ROOT / s).exists()] == []
    assert [s for s in sources if s.rstrip("/") not in allowed] == []


@pytest.mark.parametrize("target", ["webhook", "auditor"])
def test_each_target_runs_its_console_script_as_a_numeric_non_root_user(target: str) -> None:
    stages = _stages()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    chain = [target]
    while (parent := stages[chain[-1]][0][1].split()[0]) in stages:
        chain.append(parent)
    instructions = [i for stage in reversed(chain) for i in stages[stage]]
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]
    entrypoint = [a for i, a in instructions if i == "ENTRYPOINT"][-1]
    assert json.loads(entrypoint) == [target]
    assert target in scripts
    user, _, group = users[-1].partition(":")
    assert user.isdigit()
    assert int(user) > 0
    assert group.isdigit()
    assert int(group) > 0


def test_the_bases_are_slim_python_pinned_by_tag_and_the_final_stages_build_nothing() -> None:
    stages = _stages()
    bases = {
        arguments.split()[0] for instructions in stages.values() for i, arguments in instructions
        if i == "FROM" and arguments.split()[0] not in stages
    }  # fmt: skip
    assert bases == {"python:3.12-slim"}
    final = [i for name in ("runtime", "webhook", "auditor") for i in stages[name]]
    assert [a for i, a in final if i == "RUN"] == []
    copies = [a for i, a in final if i == "COPY"]
    assert copies == ["--from=build /opt/tiergate /opt/tiergate"]
    assert list(stages)[-1] == "webhook", "a plain `docker build` makes the webhook image"
