"""Answers the fake model writes from a reading: wrong-but-plausible values and prose."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Mapping
from typing import Any

from fake_provider.task_types import LABELS, ORDER_STATUSES, WEATHER_CONDITIONS, Reading

_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_NUMERIC_RE = re.compile(r"-?\d+(?:\.\d+)?")


def _other(options: tuple[str, ...], current: Any, rng: random.Random) -> str:
    return rng.choice([o for o in options if o != current])


def _shift_number(text: str, rng: random.Random) -> str:
    """``text`` with its first number moved by 20–50% (keeping its decimals), never equal."""
    found = _NUMBER_RE.search(text)
    if found is None:
        return text + " (approx.)"
    raw = found.group(0)
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    value = float(raw)
    delta = max(abs(value) * rng.choice((0.2, 0.35, 0.5)), 10.0**-decimals)
    if decimals == 0:
        delta = max(1.0, float(round(delta)))
    new = value - delta if value - delta > 0 and rng.random() < 0.5 else value + delta
    return f"{text[: found.start()]}{new:.{decimals}f}{text[found.end() :]}"


def _wrong_field(key: str, value: Any, rng: random.Random) -> Any:
    if key == "amount_usd" and isinstance(value, int | float) and not isinstance(value, bool):
        return round(value * (1 + rng.choice((-1, 1)) * rng.uniform(0.03, 0.2)), 2)
    if not isinstance(value, str) or not value:
        return None
    if key == "customer_name" and " " in value.strip():
        first, _, last = value.strip().rpartition(" ")
        return f"{last} {first}"
    if key == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local}{rng.randrange(1, 10)}@{domain}"
    if key == "order_date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return None
        return (day + dt.timedelta(days=rng.choice((-30, -3, -2, -1, 1, 2, 3, 30)))).isoformat()
    if value[-1].isdigit():
        return f"{value[:-1]}{(int(value[-1]) + rng.randrange(1, 10)) % 10}"
    return value + "x"


def _wrong_fields(answer: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    """``answer`` with one known field swapped for a plausible wrong value."""
    out = dict(answer)
    keys = [k for k, v in out.items() if v is not None]
    rng.shuffle(keys)
    for key in keys:
        wrong = _wrong_field(key, out[key], rng)
        if wrong is not None and wrong != out[key]:
            out[key] = wrong
            return out
    out["customer_name"] = "Alex Morgan" if out.get("customer_name") != "Alex Morgan" else "Sam Lee"
    return out


def wrong_answer(reading: Reading, rng: random.Random) -> Any:
    """A plausible but wrong value shaped like ``reading.answer`` (None when it is None).

    A different label, a number off by a bit, a swapped name, another order status.
    """
    answer = reading.answer
    if answer is None:
        return None
    if isinstance(answer, Mapping):
        return _wrong_fields(answer, rng)
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        return float(_shift_number(f"{answer:.2f}", rng))
    text = str(answer)
    for options in (LABELS, ORDER_STATUSES, WEATHER_CONDITIONS):
        if text in options:
            return _other(options, text, rng)
    if _NUMBER_RE.search(text):
        return _shift_number(text, rng)
    words = text.split()
    return " ".join(reversed(words)) if len(words) > 1 else f"not {text}"


def _extract_prose(answer: Mapping[str, Any]) -> str:
    def show(key: str) -> str:
        value = answer.get(key)
        if value is None:
            return "unknown"
        if key == "amount_usd" and isinstance(value, int | float):
            return f"${value:,.2f}"
        return str(value)

    return (
        f"The customer is {show('customer_name')} ({show('email')}). Order "
        f"{show('order_id')} for {show('amount_usd')} was placed on {show('order_date')}."
    )


def answer_as_prose(reading: Reading, answer: Any) -> str:
    """One or two natural sentences stating ``answer`` (e.g. "The ticket is about billing.")."""
    if answer is None:
        if reading.kind == "rag":
            return "The provided context doesn't say, so I don't know."
        return "I'm sorry, I couldn't find that in the information provided."
    if isinstance(answer, Mapping):
        return _extract_prose(answer)
    text = str(answer)
    if reading.kind == "classify" or text in LABELS:
        return f"The ticket is about {text}."
    if reading.kind == "rag":
        return f"According to the provided documentation, it is {text}."
    if text in ORDER_STATUSES:
        return f"I checked your order: its current status is {text}."
    if text in WEATHER_CONDITIONS:
        return f"Right now the weather there is {text}."
    if _NUMERIC_RE.fullmatch(text):
        return f"At today's rate that comes to {text}."
    return f"Here is what I found: {text}."
