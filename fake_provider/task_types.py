"""Records and shared vocabulary of harness tasks: what is asked, what is read, how it is graded.

The generator (``task_generation``), the reader the fake model runs (``task_reading``) and the
grader (``task_grading``) all agree on the names and value shapes defined here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from mypy_extensions import mypyc_attr

TaskKind = Literal["extract", "classify", "chat", "agent", "rag"]
TASK_KINDS: tuple[str, ...] = get_args(TaskKind)
JsonMode = Literal["schema", "instruction", "none"]
JSON_MODES: tuple[str, ...] = get_args(JsonMode)
InputShift = Literal["length", "language", "topic"]
INPUT_SHIFTS: tuple[str, ...] = get_args(InputShift)

#: Fields an ``extract`` task asks for, in prompt order.
EXTRACT_KEYS: tuple[str, ...] = ("customer_name", "email", "order_id", "amount_usd", "order_date")
#: Categories a ``classify`` task chooses from.
LABELS: tuple[str, ...] = ("billing", "technical", "shipping", "account", "cancellation")
#: JSON keys by kind when the task asks for JSON (chat never does).
JSON_KEYS_BY_KIND: dict[str, tuple[str, ...]] = {
    "extract": EXTRACT_KEYS,
    "classify": ("label",),
    "rag": ("answer",),
    "agent": ("answer",),
}
#: Basic JSON type of every expected key: "string" or "number" (null is always allowed).
KEY_TYPES: dict[str, str] = {key: "string" for key in (*EXTRACT_KEYS, "label", "answer")}
KEY_TYPES["amount_usd"] = "number"

#: Values an order lookup can report (the golden answer of an order-status agent task).
ORDER_STATUSES: tuple[str, ...] = (
    "processing", "shipped", "in transit", "out for delivery", "delivered", "delayed",
    "returned to sender",
)  # fmt: skip
#: Values a weather lookup can report (the golden answer of a weather agent task).
WEATHER_CONDITIONS: tuple[str, ...] = (
    "clear skies", "partly cloudy", "overcast", "light rain", "heavy rain", "thunderstorms",
    "fog", "snow showers",
)  # fmt: skip
#: Units per US dollar used by the fake currency tool.
USD_RATES: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 151.4, "CAD": 1.36, "AUD": 1.52,
    "CHF": 0.89, "MXN": 16.8, "INR": 83.3, "SEK": 10.6,
}  # fmt: skip
CARRIERS: tuple[str, ...] = ("UPS", "FedEx", "DHL Express", "USPS", "Royal Mail", "GLS")


def _tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


#: The agent's tools (OpenAI function specs). Shared by every task: treat as read-only.
TOOL_SPECS: tuple[dict[str, Any], ...] = (
    _tool(
        "lookup_order",
        "Look up an order's current status, carrier and estimated delivery date.",
        {
            "order_id": {
                "type": "string",
                "description": "Order ID such as ORD-483920",
                "pattern": "^ORD-[0-9]{6}$",
            }
        },
    ),
    _tool(
        "get_weather",
        "Get the current weather conditions and temperature for a city.",
        {"city": {"type": "string", "description": "City name, e.g. Lisbon"}},
    ),
    _tool(
        "convert_currency",
        "Convert an amount of money between two currencies at today's rate.",
        {
            "amount": {"type": "number", "description": "Amount in the source currency"},
            "from": {
                "type": "string",
                "description": "ISO 4217 code of the source currency",
                "enum": list(USD_RATES),
            },
            "to": {
                "type": "string",
                "description": "ISO 4217 code of the target currency",
                "enum": list(USD_RATES),
            },
        },
    ),
)
TOOL_NAMES: frozenset[str] = frozenset(t["function"]["name"] for t in TOOL_SPECS)


@dataclass(frozen=True, slots=True)
class Task:
    """One harness request with its golden answer, as a locust user sends it.

    ``expected_call`` (an addition to the original contract) is the ``(tool name, arguments)``
    a perfect agent calls; ``execute_tool`` uses it to recognise the right call.
    """

    task_id: str
    kind: TaskKind
    messages: tuple[dict[str, Any], ...]
    response_format: dict[str, Any] | None
    tools: tuple[dict[str, Any], ...]
    golden: Any
    expects_json: bool
    json_keys: tuple[str, ...]
    expected_call: tuple[str, dict[str, Any]] | None = None


@mypyc_attr(native_class=False)
@dataclass(frozen=True, slots=True)
class Reading:
    """What the fake model recovers from a conversation."""

    kind: TaskKind | None
    answer: Any
    wants_json: bool
    json_keys: tuple[str, ...]
    tool_call: tuple[str, dict[str, Any]] | None
    topic_words: Sequence[str]


@dataclass(frozen=True, slots=True)
class Grade:
    """How a response to a task scored: format and (when there is a golden answer) value."""

    format_ok: bool
    correct: bool | None
