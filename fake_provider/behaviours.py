"""Built-in behaviour profiles and resolution of custom profiles that ``extends`` them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fake_provider.config import BEHAVIOUR_FIELDS, BehaviourProfile
from fake_provider.errors import InvalidInputError

_BASE = BehaviourProfile(name="baseline")

#: The profiles every scenario can name without defining them.
BUILTIN_BEHAVIOURS: Mapping[str, BehaviourProfile] = {
    "baseline": _BASE,
    # Weights changed: JSON now arrives wrapped in chatter and a code fence.
    "prose_wrapped_json": _BASE.with_overrides(
        "prose_wrapped_json",
        {"format_style": "prose_wrapped", "format_adherence": 0.03, "fingerprint": "fp_7c1d0e55b9"},
    ),
    # Valid JSON, but the keys drifted (camelCase, synonyms).
    "renamed_keys": _BASE.with_overrides(
        "renamed_keys",
        {"format_style": "renamed_keys", "format_adherence": 0.05, "fingerprint": "fp_a41f9c0d27"},
    ),
    # Valid, well-formed answers whose values are often wrong.
    "subtly_wrong": _BASE.with_overrides(
        "subtly_wrong", {"accuracy": 0.45, "fingerprint": "fp_52e8b7d310"}
    ),
    "verbose": _BASE.with_overrides(
        "verbose", {"verbosity": 4.0, "prose_tokens_median": 160, "fingerprint": "fp_e09a6c4b18"}
    ),
    "terse": _BASE.with_overrides(
        "terse", {"verbosity": 0.3, "prose_tokens_median": 18, "fingerprint": "fp_0b7d3e92af"}
    ),
    "refusing": _BASE.with_overrides(
        "refusing", {"refusal_rate": 0.6, "fingerprint": "fp_c3a5f8e021"}
    ),
    # Keeps calling tools and never converges on an answer.
    "looping_agent": _BASE.with_overrides(
        "looping_agent", {"tool_policy": "loop", "fingerprint": "fp_19d4b6a7e3"}
    ),
    "slow": _BASE.with_overrides(
        "slow", {"ttft_ms": 2500.0, "itl_ms": 80.0, "fingerprint": "fp_6f2c0a9d84"}
    ),
}


def resolve_behaviours(
    custom: Mapping[str, Mapping[str, Any]],
) -> dict[str, BehaviourProfile]:
    """Resolve scenario ``behaviours:`` entries (each may ``extends`` another) into profiles.

    Raises :class:`InvalidInputError` on unknown parents, unknown fields or cycles.
    """
    resolved: dict[str, BehaviourProfile] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> BehaviourProfile:
        if name in resolved:
            return resolved[name]
        if name not in custom:
            if name in BUILTIN_BEHAVIOURS:
                return BUILTIN_BEHAVIOURS[name]
            raise InvalidInputError(f"behaviours.{chain[-1]}.extends: unknown behaviour {name!r}")
        if name in chain:
            raise InvalidInputError(
                f"behaviours.{name}.extends: cycle {' -> '.join((*chain, name))}"
            )
        spec = dict(custom[name])
        parent_name = str(spec.pop("extends", "baseline"))
        unknown = sorted(set(spec) - BEHAVIOUR_FIELDS)
        if unknown:
            raise InvalidInputError(
                f"behaviours.{name}.{unknown[0]}: unknown field; expected one of "
                f"{', '.join(sorted(BEHAVIOUR_FIELDS))}"
            )
        parent = resolve(parent_name, (*chain, name))
        profile = parent.with_overrides(name, spec)
        resolved[name] = profile
        return profile

    for name in custom:
        resolve(name, ())
    return resolved


def lookup_behaviour(name: str, custom: Mapping[str, BehaviourProfile]) -> BehaviourProfile:
    """The profile called ``name``: scenario-defined first, then built-in."""
    profile = custom.get(name) or BUILTIN_BEHAVIOURS.get(name)
    if profile is None:
        raise InvalidInputError(f"unknown behaviour {name!r}")
    return profile
