"""Budget guards the clients enforce, as a team's app or gateway would.

- ``request_max_tokens``: every request's ``max_tokens`` is capped.
- ``session_tokens``: a session that has used this many tokens sends nothing more.
- ``agent_max_steps``: an agent's tool loop ends at this many requests.
- ``spend_per_minute_usd`` (per API key) and ``global_spend_per_minute_usd``: a breaker over
  the spend of the last 60 s. At the limit it opens and sheds new requests
  (``budget_blocked``); it closes again once the window's spend falls below
  ``RESUME_SHARE`` of the limit.

With ``gameday run --workers N`` every worker enforces ``1/N`` of the spend limits (its
``share``), so together they hold the scenario's limit without talking to each other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from simulator.budgets.actions import ActionSink
from simulator.records import ActionRecord

#: The breaker closes when the window's spend is below this share of the limit.
RESUME_SHARE = 0.8
WINDOW_S = 60.0
GLOBAL = "*"
#: ``ActionRecord.kind`` of guard actions.
BLOCK, RESUME, CUT, CAP = "budget_block", "budget_resume", "budget_cut", "budget_cap"


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    """The scenario's ``budgets:`` as the clients enforce them (None = no limit)."""

    session_tokens: int | None = None
    agent_max_steps: int | None = None
    spend_per_minute_usd: float | None = None
    request_max_tokens: int | None = None
    global_spend_per_minute_usd: float | None = None
    #: This process's share of the spend limits (1/N with N locust workers).
    share: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BudgetLimits:
        """Inverse of :meth:`to_json`."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def cap_max_tokens(self, requested: int) -> tuple[int, bool]:
        """``max_tokens`` after the per-request cap, and whether the cap lowered it."""
        cap = self.request_max_tokens
        if cap is not None and requested > cap:
            return cap, True
        return requested, False


class _Breaker:
    """Spend of one API key (or of all) over the last ``WINDOW_S`` seconds."""

    __slots__ = ("budget", "limit_usd", "open", "spent", "target", "window")

    def __init__(self, budget: str, target: str, limit_usd: float) -> None:
        self.budget, self.target, self.limit_usd = budget, target, limit_usd
        self.window: deque[tuple[float, float]] = deque()
        self.spent = 0.0
        self.open = False

    def expire(self, t_s: float) -> None:
        window = self.window
        while window and window[0][0] <= t_s - WINDOW_S:
            self.spent -= window.popleft()[1]
        if not window:
            self.spent = 0.0  # no float residue once the window is empty


class SpendGuard:
    """Spend breakers per API key and for everything; one per process, shared by its users.

    Example::

        guard = SpendGuard(BudgetLimits(spend_per_minute_usd=0.5), actions=log)
        if guard.blocked("sk-1", t_s) is None: ...send...; guard.spend("sk-1", t_s, cost)
    """

    def __init__(self, limits: BudgetLimits, actions: ActionSink | None = None) -> None:
        self.limits = limits
        self.actions = actions
        self._per_key: dict[str, _Breaker] = {}
        self._global: _Breaker | None = None
        if limits.global_spend_per_minute_usd is not None:
            limit = limits.global_spend_per_minute_usd * limits.share
            self._global = _Breaker("global_spend_per_minute_usd", GLOBAL, limit)

    @property
    def active(self) -> bool:
        """Whether any spend breaker is configured."""
        return self._global is not None or self.limits.spend_per_minute_usd is not None

    def _breakers(self, api_key: str) -> list[_Breaker]:
        out = []
        per_key = self.limits.spend_per_minute_usd
        if per_key is not None:
            breaker = self._per_key.get(api_key)
            if breaker is None:
                breaker = _Breaker("spend_per_minute_usd", api_key, per_key * self.limits.share)
                self._per_key[api_key] = breaker
            out.append(breaker)
        if self._global is not None:
            out.append(self._global)
        return out

    def blocked(self, api_key: str, t_s: float) -> str | None:
        """The budget whose breaker sheds a request sent now, or None to let it through."""
        reason = None
        for breaker in self._breakers(api_key):
            breaker.expire(t_s)
            if breaker.open and breaker.spent < RESUME_SHARE * breaker.limit_usd:
                breaker.open = False
                self._act(t_s, RESUME, breaker)
            if breaker.open and reason is None:
                reason = breaker.budget
        return reason

    def spend(self, api_key: str, t_s: float, cost_usd: float) -> None:
        """Count what a finished request cost; opens a breaker that reaches its limit."""
        if cost_usd <= 0:
            return
        for breaker in self._breakers(api_key):
            breaker.expire(t_s)
            breaker.window.append((t_s, cost_usd))
            breaker.spent += cost_usd
            if not breaker.open and breaker.spent >= breaker.limit_usd:
                breaker.open = True
                self._act(t_s, BLOCK, breaker)

    def _act(self, t_s: float, kind: str, breaker: _Breaker) -> None:
        if self.actions is None:
            return
        self.actions.emit_action(
            ActionRecord(
                t=round(t_s, 6),
                kind=kind,
                cause=breaker.budget,
                target=breaker.target,
                detail={
                    "source": "budget",
                    "window_spend_usd": round(breaker.spent, 9),
                    "limit_usd": breaker.limit_usd,
                },
            )
        )


def guard_action(t_s: float, kind: str, budget: str, target: str, **detail: Any) -> ActionRecord:
    """An action record of a session-level guard (cut-offs and caps)."""
    return ActionRecord(
        t=round(t_s, 6),
        kind=kind,
        cause=budget,
        target=target,
        detail={"source": "budget", **detail},
    )
