"""A small seeded generator of realistic telemetry: locust-like users, one fault window.

26 users (extract 9, classify 4, chat 5, agent 5, rag 3) each send a request, wait for it,
think 0.5-1.5 s and go again: about 15 requests/s. Each kind has its own token, latency,
format and golden-answer distributions; all users share one API key whose TPM/RPM buckets
refill continuously, like the fake provider's limiter. A fault changes exactly what its
class changes, for requests sent inside its window.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.records import TelemetryRecord

USERS = {"extract": 9, "classify": 4, "chat": 5, "agent": 5, "rag": 3}
MAX_TOKENS = {"extract": 512, "classify": 64, "chat": 1024, "agent": 256, "rag": 1024}
TOOLS = ("lookup_order", "get_weather", "convert_currency")
WORDS = (
    "the", "order", "shipped", "on", "monday", "and", "the", "refund", "was", "approved",
    "by", "support", "after", "a", "short", "review", "of", "the", "account", "history",
    "customer", "asked", "about", "delivery", "options", "invoice", "billing", "address",
    "warehouse", "tracking", "number", "package", "delayed", "weather", "forecast",
    "currency", "rate", "exchange", "euro", "dollar", "policy", "return", "window", "days",
)
WORDS_ES = (
    "el", "pedido", "fue", "enviado", "el", "lunes", "y", "el", "reembolso", "fue",
    "aprobado", "por", "soporte", "despues", "de", "una", "breve", "revision", "de", "la",
    "cuenta", "cliente", "pregunto", "sobre", "opciones", "de", "entrega", "factura",
    "direccion", "almacen", "numero", "de", "seguimiento", "paquete", "retrasado", "tiempo",
    "moneda", "tasa", "cambio", "politica", "devolucion", "dias",
)
NAMES = ("Ana Silva", "Bo Chen", "Carla Gomez", "Dev Patel", "Eve Martin", "Femi Ade")
LABELS = ("billing", "shipping", "returns", "technical", "account", "other")
FP, FP_NEW = "fp_3b9e41a0c2", "fp_9d1c77e0aa"


@dataclass(frozen=True)
class FaultWindow:
    """One fault: its class, when requests are affected, and class-specific options."""

    kind: str
    start_s: float
    end_s: float
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _User:
    kind: str
    index: int
    session: int = 0
    step: int = 0
    tools_left: int = 0
    calls: list[str] = field(default_factory=list)


@dataclass
class _Bucket:
    capacity: float
    level: float
    updated_s: float = 0.0

    def take(self, amount: float, now_s: float, capacity: float) -> tuple[bool, float]:
        self.level = min(capacity, self.level + (now_s - self.updated_s) * capacity / 60.0)
        self.capacity, self.updated_s = capacity, now_s
        if self.level < amount:
            return False, self.level
        self.level -= amount
        return True, self.level


class Generator:
    """Builds the records of one run; ``records()`` returns them in completion order."""

    def __init__(self, seed: int, duration_s: float, faults: Sequence[FaultWindow] = (),
                 agent_max_steps: int | None = 12, users: Mapping[str, int] = USERS) -> None:
        self.rng = random.Random(seed)
        self.duration_s = duration_s
        self.faults = tuple(faults)
        self.users = users
        self.fault: FaultWindow | None = None
        self.agent_max_steps = agent_max_steps
        self.tokens = _Bucket(2_000_000, 2_000_000)
        self.requests = _Bucket(10_000, 10_000)
        self.neighbour_s = 0.0
        self.count = 0

    def active(self, kind: str, t: float) -> bool:
        for f in self.faults:
            if f.kind == kind and f.start_s <= t < f.end_s:
                self.fault = f
                return True
        return False

    def opt(self, key: str, default: Any) -> Any:
        return self.fault.options.get(key, default) if self.fault else default

    def records(self) -> list[TelemetryRecord]:
        users = [_User(k, i) for k, n in self.users.items() for i in range(n)]
        heap = [(self.rng.uniform(0.0, 2.0), i) for i in range(len(users))]
        heapq.heapify(heap)
        out = []
        while heap:
            t, i = heapq.heappop(heap)
            if t >= self.duration_s:
                continue
            record = self.request(users[i], t)
            out.append(record)
            heapq.heappush(heap, (t + record.latency_s + self.rng.uniform(0.5, 1.5), i))
        out.sort(key=lambda r: r.t + r.latency_s)
        return out

    def _admit(self, need: int, t: float) -> tuple[bool, int, int]:
        """Shared-key limiter: (admitted, remaining tokens, remaining requests)."""
        tpm = 2_000_000
        if self.active("rate_limit", t):
            tpm = self.opt("tpm", tpm)
            # a verbose neighbour on the same key drains the bucket steadily
            drain = self.opt("neighbour_tps", 0.0) * (t - self.neighbour_s)
            self.tokens.level = max(0.0, self.tokens.level - drain)
        self.neighbour_s = t
        ok_r, rr = self.requests.take(1, t, 10_000)
        ok_t, rt = self.tokens.take(need, t, tpm)
        return ok_r and ok_t, int(rt), int(rr)

    def request(self, u: _User, t: float) -> TelemetryRecord:
        rng = self.rng
        self.count += 1
        if u.step == 0 or (u.kind != "agent" and (u.kind != "chat" or u.step >= 4)):
            u.session, u.step, u.calls = u.session + 1, 0, []
            u.tools_left = rng.randint(1, 3)
        u.step += 1
        base: dict[str, Any] = dict(
            t=t, request_id=f"req_{self.count:08x}{rng.getrandbits(32):08x}", user_kind=u.kind,
            session_id=f"{u.kind}-{u.index}-{u.session}", step=u.step,
            model_requested="gpt-4o-mini", prompt_version=f"{u.kind}-v1", stream=False)
        if u.kind == "agent" and self.agent_max_steps and u.step > self.agent_max_steps:
            u.step = 0
            return TelemetryRecord(**base, model_reported=None, system_fingerprint=None,
                                   status=0, outcome="budget_blocked", error_type=None,
                                   latency_s=0.0, ttft_s=None, input_tokens=0, output_tokens=0,
                                   cost_usd=0.0, finish_reason=None, format_ok=None,
                                   correct=None, budget_action="agent_max_steps")
        return self._answer(u, t, base)

    def _answer(self, u: _User, t: float, base: dict[str, Any]) -> TelemetryRecord:
        rng, kind = self.rng, u.kind
        drift = self.active("input_drift", t)
        inputs = {"extract": 350, "classify": 200, "chat": 150 + 50 * u.step, "agent": 400,
                  "rag": 1200}[kind]
        n_in = max(20, int(rng.gauss(inputs, inputs * 0.15) * (1.3 if drift else 1.0)))
        if self.active("token_burst", t):
            n_in = int(n_in * self.opt("prompt_multiplier", 1.0))
        max_tokens = MAX_TOKENS[kind]
        if self.active("config_drift", t) and kind == "extract":
            max_tokens = 40
        admitted, rem_t, rem_r = self._admit(n_in + max_tokens, t)
        fp = FP_NEW if self.active("silent_model_swap", t) and self.opt("announce", False) else FP
        base.update(model_reported="gpt-4o-mini-2024-07-18", system_fingerprint=fp,
                    ratelimit_remaining_tokens=rem_t, ratelimit_remaining_requests=rem_r)
        if not admitted:
            u.step -= 1  # the client retries this step later
            base.update(model_reported=None, system_fingerprint=None)
            return self._failure(base, 429, "rate_limited", "RateLimitError",
                                 rng.uniform(0.01, 0.05))
        if self.active("server_error", t) and rng.random() < self.opt("share", 0.2):
            u.step -= 1
            return self._failure(base, rng.choice((500, 503)), "server_error",
                                 "InternalServerError", rng.uniform(0.05, 0.3))
        return self._content(u, t, base, n_in, max_tokens)

    def _failure(self, base: dict[str, Any], status: int, outcome: str, error: str,
                 latency: float) -> TelemetryRecord:
        return TelemetryRecord(**base, status=status, outcome=outcome, error_type=error,
                               latency_s=latency, ttft_s=None, input_tokens=0, output_tokens=0,
                               cost_usd=0.0, finish_reason=None, format_ok=None, correct=None)

    def _content(self, u: _User, t: float, base: dict[str, Any], n_in: int,
                 max_tokens: int) -> TelemetryRecord:
        rng, kind = self.rng, u.kind
        swap, drift = self.active("silent_model_swap", t), self.active("input_drift", t)
        words = WORDS_ES if drift else WORDS
        accuracy = {"extract": 0.97, "classify": 0.95, "agent": 0.95, "rag": 0.93}.get(kind)
        if accuracy is not None:
            broken = swap or self.active("config_drift", t) or (
                kind == "extract" and self.active("prompt_regression", t))
            accuracy -= 0.2 * broken + 0.15 * (drift and kind != "agent")
            if self.active("retrieval_degradation", t) and kind == "rag":
                accuracy = 0.25
        tools: tuple[str, ...] = ()
        fmt: bool | None = None
        if kind == "agent" and (u.tools_left > 0 or self.active("agent_loop", t)):
            tools, out, head, finish, accuracy = self._tool_step(u, t), rng.randint(18, 30), None, \
                "tool_calls", None
        elif kind in ("extract", "classify"):
            out, head, fmt = self._json_answer(kind, t, words, swap)
            finish = "stop"
        else:
            median = {"chat": 70, "agent": 50, "rag": 80}[kind] * (1.5 if swap else 1.0)
            out = max(5, int(rng.lognormvariate(math.log(median), 0.45)))
            head = " ".join(rng.choices(words, k=30)).capitalize()
            if swap:
                head = "Certainly! As an AI assistant, I would be happy to help. " + head
            finish = "stop"
            base["stream"] = kind in ("chat", "rag") and u.index % 2 == 0
            if kind == "agent":
                u.step = 0  # the answer ends the session
        multiplier = self.opt("output_multiplier", 8.0) if self.active("token_burst", t) else 1.0
        if multiplier > 1.5 and fmt is not None:
            # like the fake provider: a verbose model keeps talking after the JSON object
            head, fmt = f"{head}\n\n" + " ".join(rng.choices(words, k=20)), False
        out = int(out * multiplier)
        if out > max_tokens:
            out, finish = max_tokens, "length"
            fmt = False if fmt is not None else None
        scale = self.opt("ttft_multiplier", 5.0) if self.active("latency", t) else 1.0
        ttft = rng.lognormvariate(math.log(0.25), 0.25) * scale
        latency = ttft + out * 0.015 * rng.lognormvariate(0.0, 0.15) + 0.01
        correct = None if accuracy is None else rng.random() < accuracy
        return TelemetryRecord(**base, status=200, outcome="ok", error_type=None,
                               latency_s=latency, ttft_s=ttft if base["stream"] else None,
                               input_tokens=n_in, output_tokens=out,
                               cost_usd=n_in * 0.15e-6 + out * 0.6e-6, finish_reason=finish,
                               format_ok=fmt, correct=correct, tool_calls=tools,
                               content_head=head[:200] if head else None)

    def _tool_step(self, u: _User, t: float) -> tuple[str]:
        """One tool call: a new tool each step, or the first call again while looping."""
        u.tools_left -= 1
        if self.active("agent_loop", t) and u.calls:
            call = u.calls[0]
        else:
            fresh = [x for x in TOOLS if not any(c.startswith(x) for c in u.calls)]
            call = f'{self.rng.choice(fresh or TOOLS)}({{"id": "{self.rng.randint(1000, 9999)}"}})'
        u.calls.append(call)
        return (call,)

    def _json_answer(self, kind: str, t: float, words: Sequence[str],
                     swap: bool) -> tuple[int, str, bool]:
        """Output tokens, answer head and format verdict of an extract or classify answer."""
        rng = self.rng
        if kind == "extract":
            out = max(8, int(rng.lognormvariate(math.log(45), 0.25)))
            head = (f'{{"customer": "{rng.choice(NAMES)}", "order_id": '
                    f'"A{rng.randint(1000, 9999)}", "amount": {rng.randint(5, 500)}.'
                    f'{rng.randint(0, 99):02d}, "note": "{" ".join(rng.choices(words, k=4))}"}}')
        else:
            out, head = rng.randint(3, 6), f'{{"label": "{rng.choice(LABELS)}"}}'
        fmt = rng.random() < 0.995
        if swap:  # prose-wrapped JSON, a little more verbose
            head = f"Sure! Here is the JSON you asked for:\n```json\n{head}"
            out, fmt = int(out * 1.5), rng.random() < 0.1
        if kind == "extract" and self.active("prompt_regression", t):  # JSON instruction gone
            head = f"The customer {rng.choice(NAMES)} asked about " + " ".join(
                rng.choices(words, k=12))
            fmt = rng.random() < 0.05
        return out, head, fmt


def stream(seed: int, duration_s: float, *faults: FaultWindow, agent_max_steps: int | None = 12,
           users: Mapping[str, int] = USERS) -> list[TelemetryRecord]:
    """Records of one synthetic run with the given faults, in completion order."""
    return Generator(seed, duration_s, faults, agent_max_steps, users).records()
