"""The fake tools agent tasks use: deterministic results from the task, and reading them back.

``execute_tool`` is what a locust user runs when the model calls a tool; the fake model reads
the result with ``answer_from_tool_result`` to give its final answer.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from fake_provider.task_types import CARRIERS, USD_RATES, WEATHER_CONDITIONS, Task

_ETA_BASE = dt.date(2024, 6, 1)


def convert_amount(amount: float, src: str, dst: str) -> float:
    """``amount`` in currency ``src`` expressed in ``dst`` at the fake tool's fixed rates."""
    return round(amount / USD_RATES[src] * USD_RATES[dst], 2)


def _stable(text: str, modulo: int) -> int:
    """A process-independent hash (``hash()`` is salted per process)."""
    return zlib.crc32(text.encode()) % modulo


def _error(message: str) -> str:
    return orjson.dumps({"error": message}).decode()


def _expected_arg(task: Task, tool: str, key: str) -> Any:
    if task.expected_call is None or task.expected_call[0] != tool:
        return None
    return task.expected_call[1].get(key)


def _lookup_order(task: Task, args: Mapping[str, Any]) -> str:
    order_id = args.get("order_id")
    if not isinstance(order_id, str) or not order_id.strip():
        return _error("order_id must be a non-empty string")
    wanted = _expected_arg(task, "lookup_order", "order_id")
    if not isinstance(wanted, str) or order_id.strip().upper() != wanted.upper():
        return orjson.dumps({"error": "order not found", "order_id": order_id}).decode()
    seed = _stable(task.task_id, 1 << 16)
    eta = _ETA_BASE + dt.timedelta(days=seed % 90)
    return orjson.dumps(
        {
            "order_id": wanted,
            "status": task.golden,
            "carrier": CARRIERS[seed % len(CARRIERS)],
            "estimated_delivery": eta.isoformat(),
        }
    ).decode()


def _get_weather(task: Task, args: Mapping[str, Any]) -> str:
    city = args.get("city")
    if not isinstance(city, str) or not city.strip():
        return _error("city must be a non-empty string")
    wanted = _expected_arg(task, "get_weather", "city")
    if isinstance(wanted, str) and city.strip().casefold() == wanted.casefold():
        conditions = str(task.golden)
    else:
        conditions = WEATHER_CONDITIONS[_stable(city.casefold(), len(WEATHER_CONDITIONS))]
    temperature_c = _stable(task.task_id + city.casefold(), 38) - 5
    return orjson.dumps(
        {
            "city": city.strip(),
            "temperature_c": temperature_c,
            "conditions": conditions,
            "humidity_pct": 30 + _stable(city, 60),
        }
    ).decode()


def _convert_currency(task: Task, args: Mapping[str, Any]) -> str:
    amount, src, dst = args.get("amount"), args.get("from"), args.get("to")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        return _error("amount must be a non-negative number")
    if src not in USD_RATES or dst not in USD_RATES:
        return _error(f"unsupported currency; supported: {', '.join(USD_RATES)}")
    return orjson.dumps(
        {
            "amount": amount,
            "from": src,
            "to": dst,
            "rate": round(USD_RATES[dst] / USD_RATES[src], 6),
            "converted_amount": convert_amount(float(amount), src, dst),
        }
    ).decode()


_HANDLERS: dict[str, Callable[[Task, Mapping[str, Any]], str]] = {
    "lookup_order": _lookup_order,
    "get_weather": _get_weather,
    "convert_currency": _convert_currency,
}


def execute_tool(task: Task, name: str, arguments: str) -> str:
    """Run the fake tool ``name`` for ``task``; the result (or an error) as a JSON string.

    >>> execute_tool(task, "lookup_order", '{"order_id": "ORD-483920"}')  # doctest: +SKIP
    '{"order_id":"ORD-483920","status":"in transit",...}'
    """
    offered = {t.get("function", {}).get("name") for t in task.tools}
    handler = _HANDLERS.get(name)
    if handler is None or name not in offered:
        return _error(f"unknown tool: {name}")
    try:
        args = orjson.loads(arguments)
    except (orjson.JSONDecodeError, TypeError):
        return _error("arguments are not valid JSON")
    if not isinstance(args, dict):
        return _error("arguments must be a JSON object")
    return handler(task, args)


def tool_for_result(result: Mapping[str, Any]) -> str | None:
    """Which tool produced ``result``, judged by its keys (None for errors and others)."""
    if "error" in result:
        return None
    if "status" in result:
        return "lookup_order"
    if "conditions" in result:
        return "get_weather"
    if "converted_amount" in result:
        return "convert_currency"
    return None


def answer_from_tool_result(tool: str | None, result: Mapping[str, Any]) -> str | None:
    """The final-answer value a tool result carries (status, conditions, converted amount)."""
    try:
        if tool == "lookup_order":
            return str(result["status"])
        if tool == "get_weather":
            return str(result["conditions"])
        if tool == "convert_currency":
            return f"{float(result['converted_amount']):.2f}"
    except (KeyError, TypeError, ValueError):
        return None
    return None
