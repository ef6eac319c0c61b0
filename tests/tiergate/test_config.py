"""Rule configuration: the built-in default, and errors that name the file and the field."""

from datetime import UTC, date, datetime

import pytest

from tiergate.config import (
    ConfigError,
    Enforcement,
    Exemption,
    Remediation,
    default_config,
)
from tiergate.validation import field_path
from tiergate_edge.config_file import parse_config_text

VALID_RULE = """
rules:
  - name: opencost
    component:
      images: ["*opencost*"]
    allowedIn:
      matchExpressions:
        - {key: tier, operator: In, values: [professional, enterprise]}
    fixHint: set opencost.enabled=false
"""


def test_the_default_config_gates_the_mosquitto_exporter_on_dedicated_monitoring() -> None:
    config = default_config()
    (rule,) = config.rules
    assert rule.name == "mosquitto-exporter"
    assert rule.allowed_in.matches({"monitoring.dedicated": "true"})
    assert not rule.allowed_in.matches({"monitoring.dedicated": "false"})
    assert rule.enforcement == Enforcement.DENY
    assert rule.remediation == Remediation.DELETE
    assert "mosquitto.metrics.enabled=false" in rule.fix_hint


def test_tiergates_own_namespace_is_always_exempt() -> None:
    exempt = default_config().exempt_namespace_set(own_namespace="platform-tiergate")
    assert exempt == {"kube-system", "kube-public", "kube-node-lease", "platform-tiergate"}


def test_a_minimal_rule_gets_the_documented_defaults() -> None:
    config = parse_config_text(VALID_RULE, source="rules.yaml")
    (rule,) = config.rules
    assert rule.enforcement == Enforcement.DENY
    assert rule.remediation == Remediation.NONE
    assert rule.allowed_in.matches({"tier": "enterprise"})
    assert not rule.allowed_in.matches({"tier": "starter"})
    assert config.exempt_namespaces == ("kube-system", "kube-public", "kube-node-lease")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            VALID_RULE.replace("fixHint", "fixhint"),
            "rules.yaml: rules[0].fixhint: unknown field",
            id="an unknown key is named with its path",
        ),
        pytest.param(
            VALID_RULE.replace('"*opencost*"', '"[opencost"'),
            "rules.yaml: rules[0].component.images[0]: glob '[opencost' has an unclosed '['",
            id="a bad glob is named with its index",
        ),
        pytest.param(
            VALID_RULE.replace("operator: In", "operator: in"),
            "rules.yaml: rules[0].allowedIn.matchExpressions[0].operator: Input should be 'In'",
            id="an operator in the wrong case is an error",
        ),
        pytest.param(
            VALID_RULE.replace("values: [professional, enterprise]", "values: []"),
            "operator In needs at least one value",
            id="In without values is an error",
        ),
        pytest.param(
            VALID_RULE.replace(
                'component:\n      images: ["*opencost*"]', 'component: "*opencost*"'
            ),
            "rules.yaml: rules[0].component: expected a mapping",
            id="a component that is not a mapping is an error",
        ),
        pytest.param(
            VALID_RULE.replace('images: ["*opencost*"]', "images: []"),
            "rules[0].component: needs at least one of images, names or labels",
            id="a component that matches nothing is an error",
        ),
        pytest.param(
            VALID_RULE.replace("enforcement", "x") + "    enforcement: block\n",
            "rules[0].enforcement: Input should be 'deny', 'warn' or 'dryrun'",
            id="an unknown enforcement is an error",
        ),
        pytest.param(
            VALID_RULE + VALID_RULE.replace("rules:\n", ""),
            "rule name 'opencost' is used twice",
            id="two rules with one name are an error",
        ),
        pytest.param(
            VALID_RULE.replace("name: opencost", "name: OpenCost"),
            "rules[0].name: 'OpenCost' must be a DNS label",
            id="a rule name must be a DNS label",
        ),
        pytest.param("rules: []\n", "rules: at least one rule is needed", id="no rules"),
        pytest.param("- a\n- b\n", "must be a mapping", id="a list is not a configuration"),
        pytest.param("rules: [\n", "rules.yaml: not valid YAML", id="broken YAML"),
        pytest.param(
            VALID_RULE + "    exemptions:\n      - {namespace: customer-1}\n",
            "rules[0].exemptions[0].reason: required field is missing",
            id="an exemption needs a reason",
        ),
        pytest.param(
            VALID_RULE.replace("    fixHint: set opencost.enabled=false\n", ""),
            "rules[0].fixHint: required field is missing",
            id="a rule needs a fix hint",
        ),
    ],
)
def test_a_bad_config_names_the_file_and_the_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config_text(text, source="rules.yaml")
    assert expected in str(raised.value)


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires", "expired"),
    [
        pytest.param(None, False, id="an exemption without expiry never expires"),
        pytest.param(date(2026, 11, 26), False, id="a date expires at the end of that day"),
        pytest.param(date(2026, 11, 25), True, id="a past date has expired"),
        pytest.param(datetime(2026, 11, 26, 11, 59, tzinfo=UTC), True, id="a past instant"),
        pytest.param(
            datetime(2026, 11, 26, 12, 1),  # noqa: DTZ001 - a naive instant on purpose
            False,
            id="a naive instant is taken as UTC",
        ),
    ],
)
def test_an_exemption_expires_when_its_date_has_passed(
    expires: date | datetime | None, expired: bool
) -> None:
    exemption = Exemption(namespace="customer-*", reason="pilot", expires=expires)
    assert exemption.expired(NOW) is expired


def test_an_exemption_covers_its_namespace_glob_and_names() -> None:
    exemption = Exemption(namespace="customer-pilot-*", names=("*-exporter",), reason="pilot")
    assert exemption.covers(namespace="customer-pilot-1", name="a-exporter")
    assert not exemption.covers(namespace="customer-pilot-1", name="a-broker")
    assert not exemption.covers(namespace="customer-2", name="a-exporter")


def test_a_quoted_expiry_date_still_lasts_the_whole_day() -> None:
    exemption = Exemption.model_validate(
        {"namespace": "customer-1", "reason": "pilot", "expires": "2026-11-26"}
    )
    assert exemption.expires == date(2026, 11, 26)
    assert not exemption.expired(NOW)


def test_an_unparseable_expiry_is_an_error_naming_the_formats() -> None:
    text = VALID_RULE + "    exemptions:\n      - {namespace: a, reason: r, expires: soon}\n"
    with pytest.raises(ConfigError, match=r"expires: 'soon' is neither a date \(2026-12-31\)"):
        parse_config_text(text, source="rules.yaml")


def test_a_bare_number_is_not_taken_for_an_expiry_timestamp() -> None:
    text = VALID_RULE + "    exemptions:\n      - {namespace: a, reason: r, expires: 20261231}\n"
    with pytest.raises(ConfigError, match="20261231 is neither a date"):
        parse_config_text(text, source="rules.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("rules: x\n", "rules: expected a list", id="a scalar where a list belongs"),
        pytest.param(
            VALID_RULE.replace('images: ["*opencost*"]', 'images: ["*opencost*"]\n      names: 3'),
            "rules[0].component.names: expected a list",
            id="a number where a list belongs",
        ),
    ],
)
def test_type_errors_speak_of_yaml_not_of_python(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config_text(text, source="rules.yaml")
    assert expected in str(raised.value)
    assert "tuple" not in str(raised.value)


def test_a_mapping_key_that_is_not_a_string_is_named_as_a_key() -> None:
    assert field_path(("metadata", "labels", 5, "[key]")) == "metadata.labels (the key 5)"
