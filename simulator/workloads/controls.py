"""Client-side mitigations in force: what runbook actions changed in the team's own app.

The provider-side fixes (pin a model, route to a fallback) go through the provider's admin
API; these are the ones the app itself makes: roll a prompt back to its known-good (first)
version, restore the reviewed sampling config, lower ``max_tokens``, throttle new sessions,
end agent sessions that loop. Users read them when a session starts (and agents at every
step), so a mitigation takes effect from the next request on.

Example::

    controls = ClientControls()
    controls.apply("rollback_prompt", {"prompt": "extract"}, now_s=95.0)
    controls.prompt_rolled_back("extract")    # True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Every client-side action ``apply`` understands.
CLIENT_ACTIONS = frozenset(
    {"rollback_prompt", "restore_config", "throttle", "kill_looping_sessions", "lower_max_tokens"}
)
ALL_PROMPTS = "*"


@dataclass(slots=True)
class ClientControls:
    """The app's mitigations in force; one per process, changed by the responder."""

    rolled_back: set[str] = field(default_factory=set)
    config_restored: bool = False
    max_tokens_cap: int | None = None
    throttle_keep: float = 1.0
    throttle_until_s: float = 0.0
    loop_max_steps: int | None = None
    #: Bumped on every change (workers apply the master's copy only when it is newer).
    version: int = 0

    def apply(self, kind: str, params: Mapping[str, Any], now_s: float) -> str:
        """Put one action in force; returns what it changed (for the action log)."""
        if kind not in CLIENT_ACTIONS:
            raise ValueError(f"not a client-side action: {kind!r}")
        self.version += 1
        if kind == "rollback_prompt":
            name = params.get("prompt") or ALL_PROMPTS
            self.rolled_back.add(str(name))
            return f"prompt {name} rolled back to its first version"
        if kind == "restore_config":
            self.config_restored = True
            return "sampling config restored"
        if kind == "lower_max_tokens":
            self.max_tokens_cap = _lowest(self.max_tokens_cap, int(params.get("max_tokens", 256)))
            return f"max_tokens capped at {self.max_tokens_cap}"
        if kind == "throttle":
            self.throttle_keep = float(params.get("keep", 0.5))
            self.throttle_until_s = now_s + float(params.get("for", 120.0))
            until = self.throttle_until_s
            return f"new sessions throttled to {self.throttle_keep:.0%} until {until:g}s"
        self.loop_max_steps = _lowest(self.loop_max_steps, int(params.get("max_steps", 5)))
        return f"agent sessions ended after {self.loop_max_steps} steps"

    def prompt_rolled_back(self, prompt: str) -> bool:
        """Whether registry entry ``prompt`` is back on its known-good version."""
        return ALL_PROMPTS in self.rolled_back or prompt in self.rolled_back

    def throttle_at(self, t_s: float) -> float:
        """Share of new sessions let through at ``t_s`` (1.0 = no throttle)."""
        return self.throttle_keep if t_s < self.throttle_until_s else 1.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what the master sends its workers)."""
        return {
            "rolled_back": sorted(self.rolled_back),
            "config_restored": self.config_restored,
            "max_tokens_cap": self.max_tokens_cap,
            "throttle_keep": self.throttle_keep,
            "throttle_until_s": self.throttle_until_s,
            "loop_max_steps": self.loop_max_steps,
            "version": self.version,
        }

    def update_from(self, data: Mapping[str, Any]) -> bool:
        """Take the master's controls when they are newer; whether anything changed."""
        if int(data.get("version", 0)) <= self.version:
            return False
        self.rolled_back = set(data.get("rolled_back") or ())
        self.config_restored = bool(data.get("config_restored"))
        self.max_tokens_cap = data.get("max_tokens_cap")
        self.throttle_keep = float(data.get("throttle_keep", 1.0))
        self.throttle_until_s = float(data.get("throttle_until_s", 0.0))
        self.loop_max_steps = data.get("loop_max_steps")
        self.version = int(data["version"])
        return True


def _lowest(current: int | None, new: int) -> int:
    """The tighter of an existing limit (None = none) and a new one."""
    return new if current is None else min(current, new)
