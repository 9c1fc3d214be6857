"""The provider's mutable state, passed explicitly to the planning functions."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from fake_provider.behaviours import lookup_behaviour
from fake_provider.config import BehaviourProfile, ModelSpec, ProviderConfig
from fake_provider.ratelimit import RateLimiter
from fake_provider.timeline import Timeline
from fake_provider.tokenizer import TokenCounter

MitigationKind = Literal["pin_model", "fallback_model"]


@dataclass(frozen=True, slots=True)
class Mitigation:
    """An operator's fix on a model alias: pin it to a behaviour, or route it elsewhere."""

    kind: MitigationKind
    model: str
    behaviour: str | None = None
    to: str | None = None
    at_s: float = 0.0

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "model": self.model,
            "behaviour": self.behaviour,
            "to": self.to,
            "at_s": self.at_s,
        }


@dataclass(slots=True)
class ProviderState:
    """Configuration plus everything that changes while the provider runs.

    Example::

        state = ProviderState.create(ProviderConfig(seed=7, models=default_models()))
    """

    config: ProviderConfig
    timeline: Timeline
    limiter: RateLimiter
    counter: TokenCounter
    models: dict[str, ModelSpec]
    #: Run start as a Unix time; request times are seconds since then.
    t0_unix: float
    mitigations: dict[str, Mitigation] = field(default_factory=dict)
    sequence: int = 0
    #: The request-id suffix derived from ``t0_unix`` (and the t0 it was derived from).
    _id_suffix: tuple[float, str] = field(default=(math.nan, ""), init=False, repr=False)

    @classmethod
    def create(cls, config: ProviderConfig, t0_unix: float | None = None) -> ProviderState:
        """Fresh state for ``config`` with the run starting at ``t0_unix`` (default: now)."""
        return cls(
            config=config,
            timeline=Timeline(config.faults, config.seed),
            limiter=RateLimiter(config.rate_limits),
            counter=TokenCounter(),
            models={m.name: m for m in config.models},
            t0_unix=time.time() if t0_unix is None else t0_unix,
        )

    def behaviour(self, name: str) -> BehaviourProfile:
        """Profile by name: the scenario's own first, then built-in."""
        return lookup_behaviour(name, self.config.behaviours)

    @property
    def custom_behaviours(self) -> Mapping[str, BehaviourProfile]:
        """The scenario-defined profiles."""
        return self.config.behaviours

    def next_request_id(self) -> str:
        """A unique request id (``req_…``)."""
        self.sequence += 1
        t0, suffix = self._id_suffix
        if t0 != self.t0_unix:  # the admin API may move t0
            suffix = f"{int(self.t0_unix * 1000) & 0xFFFFFF:06x}"
            self._id_suffix = (self.t0_unix, suffix)
        return f"req_{self.sequence:08x}{suffix}"
