"""Kubernetes quantities, so waste figures agree with kubectl."""

from decimal import Decimal

import pytest

from tiergate.quantities import Requests, format_memory, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("100m", Decimal("0.1"), id="millicores"),
        pytest.param("0.5", Decimal("0.5"), id="a decimal fraction"),
        pytest.param("2", Decimal(2), id="whole cores"),
        pytest.param("128Mi", Decimal(128 * 2**20), id="mebibytes"),
        pytest.param("1Gi", Decimal(2**30), id="gibibytes"),
        pytest.param("1G", Decimal(10**9), id="gigabytes"),
        pytest.param("1k", Decimal(1000), id="kilo"),
        pytest.param("1e3", Decimal(1000), id="a decimal exponent"),
        pytest.param("1E", Decimal(10**18), id="exa without an exponent"),
        pytest.param(".5", Decimal("0.5"), id="a leading point"),
    ],
)
def test_a_quantity_parses_as_the_api_defines(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "100x", "1.2.3", "Mi", "ten"])
def test_a_malformed_quantity_is_an_error_naming_it(text: str) -> None:
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["1e1000000", "1E999999", "1e-99999999", "-1", "10Ei"])
def test_a_quantity_out_of_range_is_an_error_not_a_crash(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_quantity(text)


def test_requests_round_up_and_add_up() -> None:
    one = Requests.of(cpu="0.0001", memory="128Mi")
    assert one == Requests(cpu_millicores=1, memory_bytes=134217728)
    assert one.times(3) + Requests(10, 1) == Requests(13, 3 * 134217728 + 1)


@pytest.mark.parametrize(
    ("size", "text"),
    [(134217728, "128Mi"), (1610612736, "1.5Gi"), (512, "512"), (2048, "2Ki")],
)
def test_memory_is_shown_in_the_largest_binary_unit(size: int, text: str) -> None:
    assert format_memory(size) == text
