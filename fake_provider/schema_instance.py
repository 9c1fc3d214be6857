"""Build a JSON value that satisfies a JSON Schema, filled from a known answer where it fits.

Covers what OpenAI structured outputs and tool parameters use: objects with properties and
``required``, arrays, scalars with ``enum``/``const``/``format``, ``anyOf``/``oneOf``,
``$ref`` into ``$defs``/``definitions``, and nullable types.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

_WORDS = (
    "alpha", "amber", "harbor", "summit", "river", "cedar", "nova", "orbit", "delta", "maple",
    "quartz", "willow", "ember", "falcon", "lumen", "atlas",
)  # fmt: skip


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        ref = str(schema["$ref"])
        node: Any = root
        if ref.startswith("#"):
            for part in ref.lstrip("#").strip("/").split("/"):
                if not part:
                    continue
                node = node.get(part, {}) if isinstance(node, Mapping) else {}
        schema = node if isinstance(node, Mapping) else {}
        seen += 1
    return schema


def _scalar(kind: str, schema: Mapping[str, Any], rng: random.Random) -> Any:
    if kind == "integer":
        low = int(schema.get("minimum", 0))
        high = int(schema.get("maximum", max(low, 100)))
        return rng.randint(low, max(low, high))
    if kind == "number":
        low_f = float(schema.get("minimum", 0.0))
        high_f = float(schema.get("maximum", max(low_f, 1000.0)))
        return round(rng.uniform(low_f, high_f), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    fmt = schema.get("format")
    if fmt == "date":
        return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if fmt == "date-time":
        return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z"
    if fmt == "email":
        return f"{rng.choice(_WORDS)}@example.com"
    return f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}"


def _is_mapping(value: Any) -> bool:
    # The exact-type test first: ``isinstance(x, Mapping)`` is an ABC check, slow on the
    # common case of a plain dict.
    return type(value) is dict or isinstance(value, Mapping)


def _fits(kind: str | None, value: Any) -> bool:
    if kind is None:
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return _is_mapping(value)
    if kind == "array":
        return isinstance(value, list)
    return kind == "null" and value is None


def instance_for(
    schema: Mapping[str, Any],
    rng: random.Random,
    answer: Any = None,
    root: Mapping[str, Any] | None = None,
    depth: int = 0,
) -> Any:
    """A value valid against ``schema``, taking ``answer`` (or its matching keys) where it fits."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        options = schema["enum"]
        return answer if answer in options else options[0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(combinator)
        if isinstance(branches, list) and branches:
            ordered = sorted(branches, key=lambda b: _resolve(b, root).get("type") == "null")
            return instance_for(ordered[0], rng, answer, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        kind = non_null[0] if non_null else "null"
    if kind is None:
        kind = "object" if "properties" in schema else None
    if answer is not None and kind not in ("object", "array") and _fits(kind, answer):
        return answer
    if kind == "object" or (kind is None and depth == 0):
        props = schema.get("properties") or {}
        given = answer if _is_mapping(answer) else {}
        out: dict[str, Any] = {}
        if depth > 6:
            return out
        for name, sub in props.items():
            out[name] = instance_for(
                sub if _is_mapping(sub) else {}, rng, given.get(name), root, depth + 1
            )
        return out
    if kind == "array":
        node = schema.get("items")
        items: Mapping[str, Any] = node if isinstance(node, Mapping) else {}
        if isinstance(answer, list):
            return [instance_for(items, rng, a, root, depth + 1) for a in answer]
        count = max(int(schema.get("minItems", 1)), 1)
        return [instance_for(items, rng, None, root, depth + 1) for _ in range(count)]
    if kind is None:
        return answer if answer is not None else _scalar("string", schema, rng)
    return _scalar(str(kind), schema, rng)
