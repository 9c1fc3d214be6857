"""The fault timeline: which faults are active at an instant and which requests they hit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from mypy_extensions import mypyc_attr

from fake_provider.config import PROVIDER_FAULT_KINDS, Fault

_MASK64 = (1 << 64) - 1


def stable_hash64(*parts: str | bytes | int) -> int:
    """A 64-bit hash that is the same in every process and Python version."""
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        if isinstance(part, int):
            part = str(part)
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x1f")
    return int.from_bytes(h.digest(), "little")


def mix64(x: int) -> int:
    """SplitMix64 finaliser: spreads the bits of ``x`` (cheap per-request randomness)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def unit_interval(x: int) -> float:
    """Map a 64-bit integer to [0, 1)."""
    return (x >> 11) * (1.0 / (1 << 53))


def fault_fraction_at(fault: Fault, t_s: float) -> float:
    """Share of eligible requests the fault hits at ``t_s``: 0 outside, growing over its ramp."""
    if not fault.start_s <= t_s < fault.end_s:
        return 0.0
    if fault.ramp_s > 0 and t_s < fault.start_s + fault.ramp_s:
        return fault.fraction * (t_s - fault.start_s) / fault.ramp_s
    return fault.fraction


@dataclass(frozen=True, slots=True)
class _Entry:
    fault: Fault
    salt: int


class _Window(NamedTuple):
    """A provider-side fault with its window precomputed (``hits`` reads it per request)."""

    start_s: float
    end_s: float
    ramp_s: float
    fraction: float
    fault: Fault
    salt: int


@mypyc_attr(native_class=False)
class Timeline:
    """The provider-side faults of a run, queried per request.

    Example::

        timeline = Timeline(config.faults, seed=7)
        hits = timeline.hits(t_s=130.0, model="gpt-4o-mini", api_key="sk-1", key=123)
    """

    __slots__ = ("_entries", "_seed", "_windows")

    def __init__(self, faults: Iterable[Fault], seed: int) -> None:
        self._seed = seed
        self._entries: tuple[_Entry, ...] = ()
        self._windows: tuple[_Window, ...] = ()
        self.replace(faults)

    @property
    def faults(self) -> tuple[Fault, ...]:
        """Every fault on the timeline, provider-side or not, in start order."""
        return tuple(e.fault for e in self._entries)

    def replace(self, faults: Iterable[Fault]) -> None:
        """Set a new timeline (admin API)."""
        ordered = sorted(faults, key=lambda f: (f.start_s, f.id))
        self._entries = tuple(_Entry(f, stable_hash64(self._seed, "fault", f.id)) for f in ordered)
        self._windows = tuple(
            _Window(
                e.fault.start_s, e.fault.end_s, e.fault.ramp_s, e.fault.fraction, e.fault, e.salt
            )
            for e in self._entries
            if e.fault.kind in PROVIDER_FAULT_KINDS
        )

    def add(self, fault: Fault) -> None:
        """Add one fault, replacing any with the same id."""
        self.replace([*(f for f in self.faults if f.id != fault.id), fault])

    def remove(self, fault_id: str) -> bool:
        """Delete the fault with this id; False when there was none."""
        before = len(self._entries)
        self.replace(f for f in self.faults if f.id != fault_id)
        return len(self._entries) != before

    def active(self, t_s: float) -> list[Fault]:
        """Faults whose window contains ``t_s`` (any kind)."""
        return [e.fault for e in self._entries if e.fault.start_s <= t_s < e.fault.end_s]

    def hits(
        self, t_s: float, model: str, api_key: str, key: int, session_key: int | None = None
    ) -> Sequence[Fault]:
        """Provider-side faults that apply to one request.

        ``key`` identifies the request (not its arrival order), so the same request gets the
        same verdict in any interleaving; agent loops select by ``session_key`` when given,
        so a whole session loops or none of it does.
        """
        out: list[Fault] = []
        # fault_fraction_at inlined over the precomputed windows, which keep start order.
        for start_s, end_s, ramp_s, fraction, fault, salt in self._windows:
            if start_s > t_s:
                break
            if t_s >= end_s:
                continue
            if fault.model is not None and fault.model != model:
                continue
            if fault.api_key is not None and fault.api_key != api_key:
                continue
            share = fraction
            if ramp_s > 0 and t_s < start_s + ramp_s:
                share = fraction * (t_s - start_s) / ramp_s
            if share >= 1.0:
                out.append(fault)
                continue
            if share <= 0.0:
                continue  # a fault at fraction 0 hits nothing: skip the hash
            pick = session_key if fault.kind == "agent_loop" and session_key is not None else key
            if unit_interval(mix64(pick ^ salt)) < share:
                out.append(fault)
        return out
