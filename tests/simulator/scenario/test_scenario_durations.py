"""Durations: the spellings a scenario may use, and the ones it may not."""

from __future__ import annotations

import pytest

from fake_provider.errors import InvalidInputError
from simulator.scenario import ScenarioError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90.0),
        ("6m", 360.0),
        ("1h30m", 5400.0),
        ("1h", 3600.0),
        ("500ms", 0.5),
        ("1m30s", 90.0),
        ("2h0m5s", 7205.0),
        ("1.5h", 5400.0),
        ("0.25s", 0.25),
        ("0s", 0.0),
        (" 45s ", 45.0),
        ("45", 45.0),
        (45, 45.0),
        (2.5, 2.5),
        (0, 0.0),
    ],
)
def test_duration_spellings_parse_to_seconds(value: str | float, seconds: float) -> None:
    assert parse_duration(value, "duration") == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-1, "expected a non-negative duration, got -1"),
        ("-5s", "expected a non-negative duration, got '-5s'"),
        ("", "got an empty string"),
        ("5x", "got '5x'"),
        ("1h 30m", "got '1h 30m'"),
        ("1m1h", "expected units in the order h, m, s, ms"),
        ("1s1s", "expected units in the order h, m, s, ms"),
        ("nan", "got 'nan'"),
        (float("inf"), "got inf"),
        (True, "got true"),
        (None, "got null"),
        ([1], "got [1]"),
    ],
)
def test_bad_duration_raises_scenario_error_naming_the_path(value: object, fragment: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_duration(value, "faults[1].start")  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidInputError)
    assert str(caught.value).startswith("faults[1].start: ")
    assert fragment in str(caught.value)
    assert caught.value.problems[0].path == "faults[1].start"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.5, "500ms"),
        (10, "10s"),
        (90, "1m30s"),
        (2.5, "2.5s"),
        (3600, "1h"),
        (5400, "1h30m"),
        (3661, "1h1m1s"),
    ],
)
def test_format_duration_is_short_and_parses_back(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text, "x") == pytest.approx(seconds)
