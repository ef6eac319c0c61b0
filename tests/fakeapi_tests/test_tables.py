"""The AGE column's wording, which kubectl prints as the server gives it."""

import pytest

from tests.fakeapi.tables import human_duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (5, "5s"),
        (119, "119s"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 + 120, "3h2m"),
        (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"),
        (40 * 86400, "40d"),
        (3 * 365 * 86400 + 5 * 86400, "3y5d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_ages_are_shown_with_apimachinery_precision(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown
