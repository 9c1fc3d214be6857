"""Grade a response to a harness task: did the format hold, and is the answer right?

Format is judged the way a strict client parser would: when JSON is expected, the whole
content must parse to an object with exactly the expected keys. Correctness is judged as
leniently as a human reader would, so a format break with the right values still counts as
correct (format and accuracy failures stay separate signals).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from fake_provider.task_types import KEY_TYPES, LABELS, Grade, Task

_PROSE_NUMBER_RE = re.compile(r"(?<![\w.-])\d[\d,]*(?:\.\d+)?(?![\w-])")
_NUMERIC_RE = re.compile(r"\s*\$?\s*-?\d[\d,]*(?:\.\d+)?\s*")
_LABEL_RE = re.compile(rf"\b({'|'.join(LABELS)})\b", re.IGNORECASE)
_REL_TOL = 0.005


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str) and _NUMERIC_RE.fullmatch(value):
        try:
            return float(value.replace(",", "").replace("$", "").strip())
        except ValueError:
            return None
    return None


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _same(value: Any, golden: Any) -> bool:
    """Normalised equality: strings case/space-insensitive, numbers within 0.5% relative."""
    if golden is None:
        return value is None
    golden_number = _as_number(golden)
    if golden_number is not None:
        number = _as_number(value)
        return number is not None and math.isclose(number, golden_number, rel_tol=_REL_TOL,
                                                   abs_tol=1e-9)  # fmt: skip
    return isinstance(value, str) and _norm(value) == _norm(str(golden))


def _appears(text: str, golden: Any) -> bool:
    """Whether ``golden`` is stated in free text (numbers within tolerance, words whole)."""
    number = _as_number(golden)
    if number is not None:
        for found in _PROSE_NUMBER_RE.findall(text):
            value = _as_number(found)
            if value is not None and math.isclose(value, number, rel_tol=_REL_TOL, abs_tol=1e-9):
                return True
        return False
    words = _norm(str(golden)).split()
    if not words:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _prose_correct(task: Task, text: str) -> bool:
    golden = task.golden
    if isinstance(golden, Mapping):
        return all(_appears(text, value) for value in golden.values())
    if task.kind == "classify":
        first = _LABEL_RE.search(text)
        return first is not None and first.group(1).lower() == str(golden).lower()
    return _appears(text, golden)


def _json_correct(task: Task, value: Mapping[str, Any]) -> bool:
    golden = task.golden
    if isinstance(golden, Mapping):
        return all(_same(value.get(key), expected) for key, expected in golden.items())
    return _same(value.get(task.json_keys[0]), golden)


def _parse_json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _lenient_object(text: str) -> Any:
    """The first ``{...}`` span in ``text`` as JSON (what a forgiving reader would try)."""
    start, end = text.find("{"), text.rfind("}")
    return _parse_json(text[start : end + 1]) if 0 <= start < end else None


def _shape_ok(value: Any, keys: Sequence[str]) -> bool:
    if not isinstance(value, dict) or set(value) != set(keys):
        return False
    for key in keys:
        item, kind = value[key], KEY_TYPES.get(key, "string")
        fits = _is_number(item) if kind == "number" else isinstance(item, str)
        if item is not None and not fits:
            return False
    return True


def _call_ok(call: Mapping[str, Any], offered: set[str]) -> bool:
    fn = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(fn, Mapping) or fn.get("name") not in offered:
        return False
    arguments = fn.get("arguments")
    return isinstance(arguments, str) and isinstance(_parse_json(arguments), dict)


def grade(task: Task, content: str | None, tool_calls: Sequence[Mapping[str, Any]] = ()) -> Grade:
    """Grade one response: ``format_ok`` as a strict parser sees it, ``correct`` vs. golden.

    ``correct`` is None for chat (no golden answer) and for an agent's mid-session tool call.
    """
    has_golden = task.golden is not None
    if tool_calls:
        offered = {t.get("function", {}).get("name") for t in task.tools}
        if task.kind == "agent":
            return Grade(all(_call_ok(c, offered) for c in tool_calls), None)
        return Grade(False, False if has_golden else None)
    text = content or ""
    if not text.strip():
        return Grade(False, False if has_golden else None)
    if not task.expects_json:
        return Grade(True, _prose_correct(task, text) if has_golden else None)
    parsed = _parse_json(text)
    format_ok = _shape_ok(parsed, task.json_keys)
    if not has_golden:
        return Grade(format_ok, None)
    candidate = parsed if isinstance(parsed, dict) else _lenient_object(text)
    if isinstance(candidate, dict) and all(key in candidate for key in task.json_keys):
        return Grade(format_ok, _json_correct(task, candidate))
    return Grade(format_ok, _prose_correct(task, text))
