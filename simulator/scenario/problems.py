"""What can be wrong with a scenario: problems, warnings, the error that carries them.

Also turns pydantic's validation errors into problems phrased for scenario authors:
``traffic.mix.agnet: unknown key 'agnet'; did you mean 'agent'?``.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from fake_provider.errors import InvalidInputError

TOP_LEVEL = "(top level)"

#: ``(loc, key) -> message or None``: lets a caller phrase unknown keys itself.
UnknownKeyHook = Callable[[tuple[int | str, ...], str], str | None]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario: where (``faults[1].start``) and what was expected."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or TOP_LEVEL}: {self.message}"


@dataclass(frozen=True, slots=True)
class ScenarioWarning:
    """Something legal but probably unintended, e.g. a fault with no baseline before it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or TOP_LEVEL}: {self.message}"


class ScenarioError(InvalidInputError):
    """An invalid scenario; ``str()`` lists every problem as ``<file>: <path>: <message>``.

    Example::

        try:
            scenario = load_scenario("scenarios/swap.yaml")
        except ScenarioError as err:
            print(err, file=sys.stderr)  # one line per problem
    """

    def __init__(self, problems: Iterable[Problem], source: Path | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source: Path | None = source
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.source}: " if self.source is not None else ""
        return "\n".join(f"{prefix}{problem}" for problem in self.problems)


def show(value: Any) -> str:
    """A short, YAML-flavoured rendering of a bad value for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping" if len(repr(value)) > 60 else f"mapping {dict(value)!r}"
    text = repr(list(value)) if isinstance(value, list | tuple) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def unknown(what: str, value: Any, choices: Iterable[str]) -> str:
    """``unknown <what> 'x'; did you mean 'y'?`` or, with no close match, the valid choices."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(str(value), options, n=1)
    if close:
        return f"unknown {what} {show(value)}; did you mean {close[0]!r}?"
    return f"unknown {what} {show(value)}; expected one of: {', '.join(options) or '(none)'}"


def join_path(prefix: str, loc: Sequence[int | str]) -> str:
    """``faults[1]`` + ``("start",)`` -> ``faults[1].start``."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


_EXPECTED: Mapping[str, str] = MappingProxyType(
    {
        "int_type": "an integer",
        "int_parsing": "an integer",
        "int_from_float": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "finite_number": "a finite number",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "string_type": "a string",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "model_attributes_type": "a mapping",
        "dataclass_type": "a mapping",
        "list_type": "a list",
        "tuple_type": "a list",
        "string_too_short": "a non-empty string",
        "string_pattern_mismatch": "a string matching {pattern}",
        "greater_than": "a number > {gt}",
        "greater_than_equal": "a number >= {ge}",
        "less_than": "a number < {lt}",
        "less_than_equal": "a number <= {le}",
        "too_short": "at least {min_length} item(s)",
        "too_long": "at most {max_length} item(s)",
    }
)


def problems_from_validation(
    error: ValidationError,
    prefix: str,
    root: Any,
    unknown_key: UnknownKeyHook | None = None,
) -> list[Problem]:
    """Rephrase each pydantic error as a :class:`Problem` under ``prefix``.

    ``root`` is the type that was validated; it is walked to list the known keys when an
    unknown one turns up.
    """
    return [_problem(err, prefix, root, unknown_key) for err in error.errors()]


def _problem(err: Any, prefix: str, root: Any, hook: UnknownKeyHook | None) -> Problem:
    loc: tuple[int | str, ...] = tuple(err["loc"])
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if loc and loc[-1] == "[key]":  # a mapping key failed (e.g. traffic.mix.agnet)
        loc = loc[:-1]
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return Problem(join_path(prefix, loc), unknown("key", value, choices))
    if kind == "missing":
        return Problem(join_path(prefix, loc[:-1]), f"missing required key {loc[-1]!r}")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        message = hook(loc, key) if hook else None
        if message is None:
            known = known_keys(root, loc[:-1])
            message = unknown("key", key, known) if known else f"unknown key {key!r}"
        return Problem(join_path(prefix, loc), message)
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        what = next((str(p) for p in reversed(loc) if isinstance(p, str)), "value")
        return Problem(join_path(prefix, loc), unknown(what, value, choices))
    if kind in _EXPECTED:
        expected = _EXPECTED[kind].format(**{k: _number(v) for k, v in ctx.items()})
        return Problem(join_path(prefix, loc), f"expected {expected}, got {show(value)}")
    message = str(err["msg"]).removeprefix("Value error, ")
    if message.startswith("Input should be"):
        message = f"expected {message.removeprefix('Input should be ')}, got {show(value)}"
    return Problem(join_path(prefix, loc), message)


def _number(value: Any) -> Any:
    """``1.0`` -> ``1`` so bounds read as written."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def known_keys(root: Any, loc: Sequence[int | str]) -> list[str]:
    """The keys a mapping at ``loc`` inside type ``root`` accepts (empty when not a model)."""
    current = _unwrap(root)
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for name, f in current.model_fields.items() if (f.alias or name) == part),
                None,
            )
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (dict, Mapping):
            current = get_args(current)[1]
        elif get_origin(current) in (list, tuple, Sequence):
            current = get_args(current)[0]
        else:
            return []
        current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` so the walk sees the underlying type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
