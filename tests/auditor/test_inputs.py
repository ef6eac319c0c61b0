"""`auditor --once -f`: how files, directories and standard input are read as bytes."""

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.auditor.manifests import DRIFTED
from tests.auditor.process import ROOT, assert_clean_failure, auditor, run_program

LATIN1 = DRIFTED.replace("name: customer-1}", "name: customer-1, annotations: {a: caf\u00e9}}")
LATIN1_OFFSET = LATIN1.index("\u00e9")  # ASCII before it: characters are bytes


@pytest.mark.parametrize("via", ["file", "stdin"])
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            LATIN1.encode("latin-1"),
            f"not UTF-8 at byte offset {LATIN1_OFFSET} (line 3): byte 0xe9",
            id="Latin-1",
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + DRIFTED.encode("utf-16-le"),
            "not UTF-8: it looks like UTF-16: convert it with `iconv -f UTF-16 -t UTF-8`",
            id="UTF-16 with a byte order mark",
        ),
        pytest.param(
            DRIFTED.encode("utf-16-be"),
            "not UTF-8: it looks like UTF-16: convert it with `iconv -f UTF-16 -t UTF-8`",
            id="UTF-16 without a byte order mark",
        ),
        pytest.param(
            DRIFTED.encode() + b"\x00" * 10,
            f"a NUL byte at byte offset {len(DRIFTED)}: not a text file",
            id="NUL bytes",
        ),
    ],
)
def test_input_that_is_not_utf8_is_named_with_the_byte_offset(
    tmp_path: Path, via: str, data: bytes, expected: str
) -> None:
    path = tmp_path / "snapshot.yaml"
    path.write_bytes(data)
    if via == "file":
        result = auditor("--once", "-f", str(path))
        source = str(path)
    else:
        result = auditor("--once", "-f", "-", stdin=data)
        source = "<stdin>"
    assert_clean_failure(result, prog="auditor")
    assert f"{source}: {expected}" in result.stderr


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path, via: str) -> None:
    data = codecs.BOM_UTF8 + DRIFTED.encode()
    (tmp_path / "s.yaml").write_bytes(data)
    args = ("-f", str(tmp_path / "s.yaml")) if via == "file" else ("-f", "-")
    result = auditor("--once", *args, stdin=data)
    assert (result.returncode, result.stderr) == (1, "")


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_input_larger_than_the_cap_is_refused(tmp_path: Path, via: str) -> None:
    (tmp_path / "s.yaml").write_text(DRIFTED, encoding="utf-8")
    args = ("-f", str(tmp_path / "s.yaml")) if via == "file" else ("-f", "-")
    cap = str(len(DRIFTED) - 1)
    result = auditor("--once", *args, "--max-input-bytes", cap, stdin=DRIFTED)
    assert_clean_failure(result, prog="auditor")
    assert f"larger than {cap} bytes (raise --max-input-bytes to read it)" in result.stderr
    exact = auditor("--once", *args, "--max-input-bytes", str(len(DRIFTED)), stdin=DRIFTED)
    assert exact.returncode == 1, exact.stderr


@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_a_cap_that_is_not_a_positive_number_is_a_flag_error(value: str) -> None:
    result = auditor("--once", "-f", "-", "--max-input-bytes", value, stdin=DRIFTED)
    assert_clean_failure(result, prog="auditor")
    assert f"--max-input-bytes: '{value}' is not a positive number of bytes" in result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_on_standard_input_fails_at_its_first_bytes(device: str) -> None:
    result = run_program("auditor", "--once", "-f", "-", stdin_path=Path(device))
    assert_clean_failure(result, prog="auditor")
    assert "<stdin>: " in result.stderr
    assert "not a text file" in result.stderr or "not UTF-8" in result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_named_with_f_is_refused_before_reading(device: str) -> None:
    result = auditor("--once", "-f", device)
    assert_clean_failure(result, prog="auditor")
    assert f"{device}: a device, not a file" in result.stderr


@pytest.mark.parametrize("flag", ["-f", "--config"])
def test_an_empty_path_is_an_error_not_the_current_directory(flag: str) -> None:
    result = auditor("--once", "-f", "examples/compliant-snapshot.yaml", flag, "")
    assert_clean_failure(result, prog="auditor")
    named = "-f/--filename" if flag == "-f" else flag
    assert f"argument {named}: an empty path (an unset shell variable?)" in result.stderr


def test_a_symlink_to_itself_is_named_a_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    result = auditor("--once", "-f", str(loop))
    assert_clean_failure(result, prog="auditor")
    assert f"{loop}: symlink loop" in result.stderr


def test_a_directory_follows_symlinks_skips_hidden_entries_and_ignores_suffix_case(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "NAMESPACE.YAML").write_text(DRIFTED.split("---\n")[0], encoding="utf-8")
    tree = tmp_path / "tree"
    (tree / ".git").mkdir(parents=True)
    (tree / ".git" / "broken.yaml").write_text("{{{ not yaml", encoding="utf-8")
    (tree / ".hidden.yaml").write_text("{{{ not yaml", encoding="utf-8")
    (tree / "workload.Yml").write_text(DRIFTED.split("---\n")[1], encoding="utf-8")
    (tree / "linked").symlink_to(shared, target_is_directory=True)
    (tree / "linked-again").symlink_to(shared, target_is_directory=True)
    (shared / "back").symlink_to(tree, target_is_directory=True)
    result = auditor("--once", "-f", str(tree), "-o", "json")
    assert result.returncode == 1, result.stderr
    assert result.stderr == f"auditor: note: {tree}/linked/back: symlink loop, not followed\n"
    assert '"name": "x-mosquitto-exporter"' in result.stdout


def test_a_config_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_bytes("rules: []  # caf\u00e9\n".encode("latin-1"))
    result = auditor("--once", "-f", "-", "--config", str(config), stdin=DRIFTED)
    assert_clean_failure(result, prog="auditor")
    assert f"{config}: not UTF-8 at byte offset 16 (line 1): byte 0xe9" in result.stderr


def test_standard_input_is_read_once_even_when_named_twice() -> None:
    result = auditor("--once", "-f", "-", "-f", "-", stdin=DRIFTED)
    assert (result.returncode, result.stderr) == (1, "")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            "auditor --once -f - <&-", "auditor: <stdin>: standard input is closed", id="stdin"
        ),
        pytest.param(
            "auditor --once -f examples/cluster-snapshot.yaml >&-",
            "auditor: standard output is closed: there is nowhere to write the result",
            id="stdout",
        ),
        pytest.param(
            "webhook --check-config >&-",
            "webhook: standard output is closed: there is nowhere to write the result",
            id="stdout of the webhook",
        ),
    ],
)
def test_a_closed_standard_stream_is_a_clean_error(command: str, expected: str) -> None:
    program, _, args = command.partition(" ")
    result = subprocess.run(
        ["/bin/sh", "-c", f'exec "$0" -m {program} {args}', sys.executable],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert_clean_failure(result, prog=program)
    assert result.stderr == f"{expected}\n"


def test_odd_entries_in_a_directory_are_notes_not_errors(tmp_path: Path) -> None:
    (tmp_path / "snapshot.yaml").write_text(DRIFTED, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would wait for a writer forever
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "absent.yaml")
    result = auditor("--once", "-f", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"auditor: note: {tmp_path}/gone.yaml: a symlink to a file that does not exist; skipped",
        f"auditor: note: {tmp_path}/pipe.yaml: not a regular file; skipped",
    ]
