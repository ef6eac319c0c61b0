"""`webhook --check-config`, run as a real process."""

from pathlib import Path

import pytest

from tests.auditor.process import assert_clean_failure, auditor, webhook

VALID = "rules:\n  - name: x\n    component: {images: ['x']}\n    allowedIn: {}\n    fixHint: h\n"
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_checking_the_built_in_config_lists_its_rule() -> None:
    result = webhook("--check-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "rule mosquitto-exporter: enforcement deny, allowed in monitoring.dedicated=true\n"
    )


def test_a_bad_config_stops_start_up_naming_the_file_and_field(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(
        "rules:\n  - name: x\n    component: {images: ['[x']}\n    allowedIn: {}\n    fixHint: h\n",
        encoding="utf-8",
    )
    result = webhook("--check-config", "--config", str(config))
    assert result.returncode == 2
    assert f"{config}: rules[0].component.images[0]: glob '[x' has an unclosed '['" in (
        result.stderr
    )


def test_an_unreadable_config_is_named(tmp_path: Path) -> None:
    result = webhook("--check-config", "--config", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert "absent.yaml: cannot read: no such file or directory" in result.stderr


def test_serving_without_a_certificate_is_refused_with_a_clear_message() -> None:
    result = webhook()
    assert result.returncode == 2
    assert "--tls-cert and --tls-key are required to serve" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            VALID + "    exemptions:\n      - {namespace: a, reason: r, expires: 2020-13-45}\n",
            "rules.yaml: rules[0].exemptions[0].expires: '2020-13-45' is neither a date",
            id="an impossible expiry date is named by its field",
        ),
        pytest.param(
            (VALID + "    description: caf\u00e9\n").encode("latin-1"),
            f"rules.yaml: not UTF-8 at byte offset {len(VALID) + 20} (line 6): byte 0xe9",
            id="a Latin-1 file",
        ),
        pytest.param(
            ("\ufeff" + VALID).encode("utf-16-le"),
            "rules.yaml: not UTF-8: it looks like UTF-16: convert it with `iconv",
            id="a UTF-16 file",
        ),
        pytest.param(
            VALID + "    fixHint: again\n",
            "rules.yaml: the key 'fixHint' appears twice in one mapping (line 6)",
            id="a key given twice",
        ),
        pytest.param(
            "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB,
            "rules.yaml: its aliases expand",
            id="an alias bomb",
        ),
        pytest.param(VALID + "---\n" + VALID, "rules.yaml: holds 2 YAML documents", id="two"),
        pytest.param(
            "rules:\n  - {name: x\n",
            "rules.yaml: not valid YAML (line 3): did not find expected ',' or '}'\n",
            id="a syntax error is one line naming where",
        ),
        pytest.param("rules: " + "[" * 100_000, "rules.yaml: not valid YAML", id="deep nesting"),
        pytest.param(
            VALID.replace("fixHint: h", "fixHint: !!python/object:os.system h"),
            "webhook: rule x: enforcement deny",
            id="an unknown tag reads as its plain value",
        ),
    ],
)
def test_a_bad_config_file_is_one_clean_message_from_both_programs(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    config = tmp_path / "rules.yaml"
    if isinstance(content, str):
        config.write_text(content, encoding="utf-8")
    else:
        config.write_bytes(content)
    checked = webhook("--check-config", "--config", str(config))
    if expected.startswith("webhook: rule"):
        assert (checked.returncode, checked.stderr) == (0, "")
        assert expected.removeprefix("webhook: ") in checked.stdout
        return
    audited = auditor("--once", "-f", "examples/compliant-snapshot.yaml", "--config", str(config))
    for result, prog in ((checked, "webhook"), (audited, "auditor")):
        assert_clean_failure(result, prog=prog)
        assert expected in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("--bogus",), "unrecognized arguments: --bogus", id="an unknown flag"),
        pytest.param(("--config",), "argument --config: expected one argument", id="no value"),
        pytest.param(
            ("--check-config", "--config", ""),
            "argument --config: an empty path (an unset shell variable?)",
            id="an empty config path",
        ),
        pytest.param(("--bogus\x1b[2J",), "--bogus\\x1b[2J", id="an escape code in a flag"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(args: tuple[str, ...], expected: str) -> None:
    result = webhook(*args)
    assert_clean_failure(result, prog="webhook")
    assert len(result.stderr.splitlines()) == 1
    assert expected in result.stderr


def test_a_config_directory_is_named_not_a_traceback(tmp_path: Path) -> None:
    result = webhook("--check-config", "--config", str(tmp_path))
    assert_clean_failure(result, prog="webhook")
    assert f"{tmp_path}: cannot read: is a directory" in result.stderr


def test_the_config_reader_is_the_same_in_both_programs() -> None:
    sources = {
        program: (Path(__file__).resolve().parents[2] / program / "__main__.py").read_text()
        for program in ("auditor", "webhook")
    }
    for source in sources.values():
        assert "from tiergate_edge.config_file import load_config" in source
        assert "def load_config" not in source
