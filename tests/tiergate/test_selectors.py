"""LabelSelector semantics, validation and wording, table-driven from fixtures/selectors.yaml.

A namespace is allowed a component through a LabelSelector, so every case here
is what the Kubernetes API server would decide for the same selector and labels.
"""

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiergate.selectors import LabelSelector

FIXTURE = Path(__file__).parent.parent / "fixtures" / "selectors.yaml"


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    selector: dict[str, object]


class MatchingCase(_Case):
    labels: dict[str, str]
    matches: bool


class InvalidCase(_Case):
    error: str = Field(min_length=1)


class UnmetCase(_Case):
    labels: dict[str, str]
    unmet: list[str]


class DescribeCase(_Case):
    describe: str


class SelectorFixtures(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    matching: list[MatchingCase] = Field(min_length=1)
    invalid: list[InvalidCase] = Field(min_length=1)
    unmet: list[UnmetCase] = Field(min_length=1)
    describe: list[DescribeCase] = Field(min_length=1)


def _load() -> SelectorFixtures:
    fixtures = SelectorFixtures.model_validate(yaml.safe_load(FIXTURE.read_text()))
    for table in (fixtures.matching, fixtures.invalid, fixtures.unmet, fixtures.describe):
        ids = [case.id for case in table]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"{FIXTURE}: duplicate case ids {duplicates}")
    return fixtures


FIXTURES = _load()


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in FIXTURES.matching])
def test_a_namespace_selector_matches_as_the_api_defines(case: MatchingCase) -> None:
    selector = LabelSelector.model_validate(case.selector)

    assert selector.matches(case.labels) is case.matches


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in FIXTURES.matching])
def test_a_selector_has_unmet_requirements_exactly_when_it_does_not_match(
    case: MatchingCase,
) -> None:
    selector = LabelSelector.model_validate(case.selector)

    assert (selector.unmet(case.labels) == []) is case.matches


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in FIXTURES.invalid])
def test_an_invalid_selector_is_refused_with_a_message_naming_the_problem(
    case: InvalidCase,
) -> None:
    with pytest.raises(ValidationError) as raised:
        LabelSelector.model_validate(case.selector)

    assert case.error in str(raised.value)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in FIXTURES.unmet])
def test_unmet_lists_each_failed_requirement_with_what_the_namespace_has(
    case: UnmetCase,
) -> None:
    selector = LabelSelector.model_validate(case.selector)

    assert selector.unmet(case.labels) == case.unmet


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in FIXTURES.describe])
def test_describe_writes_the_selector_in_kubectl_label_syntax(case: DescribeCase) -> None:
    selector = LabelSelector.model_validate(case.selector)

    assert selector.describe() == case.describe


def test_a_selector_read_from_camel_case_yaml_equals_one_built_in_python() -> None:
    from_yaml = LabelSelector.model_validate(
        {
            "matchLabels": {"monitoring.dedicated": "true"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["enterprise"]}],
        }
    )

    built = LabelSelector.model_validate(
        {
            "match_labels": {"monitoring.dedicated": "true"},
            "match_expressions": [{"key": "tier", "operator": "In", "values": ["enterprise"]}],
        }
    )

    assert from_yaml == built
    assert from_yaml.model_dump(by_alias=True) == {
        "matchLabels": {"monitoring.dedicated": "true"},
        "matchExpressions": ({"key": "tier", "operator": "In", "values": ("enterprise",)},),
    }
