"""Durations in scenario files: ``90s``, ``6m``, ``1h30m``, ``500ms``, or a number of seconds."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from simulator.scenario.problems import Problem, ScenarioError, show

_UNIT_S: Mapping[str, float] = MappingProxyType({"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001})
_UNIT_ORDER = ("h", "m", "s", "ms")
_NUMBER = r"\d+(?:\.\d+)?"
_TEXT = re.compile(rf"(?:{_NUMBER}(?:ms|h|m|s))+")
_TOKEN = re.compile(rf"({_NUMBER})(ms|h|m|s)")
#: The JSON Schema pattern of a duration string (plain numbers are seconds).
DURATION_PATTERN = rf"^(?:(?:{_NUMBER}(?:ms|h|m|s))+|{_NUMBER})$"

_EXPECTED = "a duration like 90s, 6m, 1h30m, 500ms or a number of seconds"


def duration_seconds(value: Any) -> float:
    """Seconds in a duration value; raises ``ValueError`` saying what was expected."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected {_EXPECTED}, got {show(value)}")
    seconds = _text_seconds(value) if isinstance(value, str) else float(value)
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"expected {_EXPECTED}, got {show(value)}")
    if seconds < 0:
        raise ValueError(f"expected a non-negative duration, got {show(value)}")
    return seconds


def _text_seconds(value: str) -> float:
    """Seconds in a duration string such as ``1h30m``."""
    text = value.strip()
    if not text:
        raise ValueError(f"expected {_EXPECTED}, got an empty string")
    if text.startswith("-") and (_TEXT.fullmatch(text[1:]) or _is_number(text[1:])):
        raise ValueError(f"expected a non-negative duration, got {value!r}")
    if _is_number(text):
        return float(text)
    if not _TEXT.fullmatch(text):
        raise ValueError(f"expected {_EXPECTED}, got {value!r}")
    seconds, last = 0.0, -1
    for number, unit in _TOKEN.findall(text):
        rank = _UNIT_ORDER.index(unit)
        if rank <= last:
            raise ValueError(f"expected units in the order h, m, s, ms, each once, got {value!r}")
        seconds, last = seconds + float(number) * _UNIT_S[unit], rank
    return seconds


def _is_number(text: str) -> bool:
    """Whether ``text`` is a plain non-negative decimal number."""
    return re.fullmatch(_NUMBER, text) is not None


def parse_duration(value: str | int | float, path: str) -> float:
    """Seconds in ``value`` (``"90s"``, ``"1h30m"``, ``"500ms"``, ``45``, ``2.5``).

    Raises :class:`ScenarioError` naming ``path`` for anything else (negative, empty, ``"5x"``).

    Example::

        parse_duration("1h30m", "duration")  # 5400.0
    """
    try:
        return duration_seconds(value)
    except ValueError as err:
        raise ScenarioError([Problem(path, str(err))]) from None


def format_duration(seconds: float) -> str:
    """The shortest duration string for ``seconds`` (``90`` -> ``1m30s``, ``0.5`` -> ``500ms``)."""
    if seconds < 1:
        return f"{round(seconds * 1000, 3):g}ms" if seconds else "0s"
    hours, rest = divmod(seconds, 3600.0)
    minutes, secs = divmod(rest, 60.0)
    parts = [f"{int(hours)}h" if hours else "", f"{int(minutes)}m" if minutes else ""]
    secs = round(secs, 3)
    parts.append(f"{secs:g}s" if secs else "")
    return "".join(parts) or "0s"


def _pydantic_duration(value: Any) -> float:
    """Pydantic hook: a duration in seconds, or a validation error phrased for authors."""
    try:
        return duration_seconds(value)
    except ValueError as err:
        raise PydanticCustomError("duration", "{message}", {"message": str(err)}) from None


def _pydantic_positive_duration(value: Any) -> float:
    """Pydantic hook: a duration in seconds that must be greater than zero."""
    seconds = _pydantic_duration(value)
    if seconds <= 0:
        message = f"expected a duration greater than 0, got {show(value)}"
        raise PydanticCustomError("duration", "{message}", {"message": message})
    return seconds


def _schema(minimum_key: str) -> dict[str, Any]:
    """JSON Schema of a duration: a number of seconds or a string like ``1h30m``."""
    return {
        "anyOf": [
            {"type": "number", minimum_key: 0},
            {"type": "string", "pattern": DURATION_PATTERN},
        ],
        "description": "duration: 90s, 6m, 1h30m, 500ms or a number of seconds",
    }


#: A non-negative duration; the validated value is seconds as a float.
Duration = Annotated[float, BeforeValidator(_pydantic_duration), WithJsonSchema(_schema("minimum"))]
#: A duration greater than zero, in seconds.
PositiveDuration = Annotated[
    float,
    BeforeValidator(_pydantic_positive_duration),
    WithJsonSchema(_schema("exclusiveMinimum")),
]
