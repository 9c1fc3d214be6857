"""The shared, incremental tally every built-in monitor reads: one pass per record, O(1) windows.

Each record bumps a few counters in one running (cumulative) vector: counts, spend, rate-limit
headroom sums and log-scale histograms of output tokens, TTFT and latency. At every tick the
vector is snapshotted once; any window is then the difference of two snapshots, so a 2-minute
window costs the same as a 10-second one and nothing is ever rescanned. Monitors apply their
thresholds to these window vectors, which is why their parameters never touch the per-record
path and several monitors share one tally.

A record belongs to the instant it completed (``t + latency_s``): that is when a client (and a
real monitor) learns about it. Records are taken in arrival order.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from simulator.records import TelemetryRecord

#: Log-scale histogram bins: exact below 16, then 2**sub_bits bins per power of two.
_TABLE_LIMIT = 1 << 16


def _bin(value: int, sub_bits: int) -> int:
    """The histogram bin of a non-negative integer (HDR-histogram style)."""
    exact = 1 << (sub_bits + 1)
    if value < exact:
        return max(value, 0)
    k = value.bit_length() - 1
    sub = (value >> (k - sub_bits)) & ((1 << sub_bits) - 1)
    return exact + (k - sub_bits - 1) * (1 << sub_bits) + sub


def bin_count(sub_bits: int) -> int:
    """Bins of a histogram covering values below 2**16 plus one overflow bin."""
    return _bin(_TABLE_LIMIT - 1, sub_bits) + 2


def bin_lower(index: int, sub_bits: int) -> float:
    """Smallest value that falls in bin ``index`` (the overflow bin starts at 2**16)."""
    exact = 1 << (sub_bits + 1)
    if index < exact:
        return float(index)
    if index >= bin_count(sub_bits) - 1:
        return float(_TABLE_LIMIT)
    k = (index - exact) // (1 << sub_bits) + sub_bits + 1
    sub = (index - exact) % (1 << sub_bits)
    return float(((1 << sub_bits) + sub) << (k - sub_bits))


@lru_cache(maxsize=4)
def bin_table(sub_bits: int) -> tuple[int, ...]:
    """Bin of every value below 2**16 (a constant lookup table)."""
    return tuple(_bin(v, sub_bits) for v in range(_TABLE_LIMIT))


KINDS: Mapping[str, int] = {"extract": 0, "classify": 1, "chat": 2, "agent": 3, "rag": 4}
KIND_NAMES: tuple[str, ...] = (*KINDS, "other")
#: Golden-answer sampling slots: a request is in slot ``crc32(request_id) % EVAL_SLOTS``.
EVAL_SLOTS = 10
#: Output-length bands the latency histograms are kept per: <16, <128, <1024, more tokens.
LATENCY_BANDS: tuple[int, ...] = (16, 128, 1024)
MAX_STEP_BIN = 40
ERROR_OUTCOMES = frozenset({"server_error", "timeout", "connection_error", "malformed"})

# Column layout of the running vector.
SENT, BLOCKED, OK, FMT, FMT_BAD, RL, ERR, COST = range(8)
RLT_SUM, RLT_N, RLR_SUM, RLR_N, LENGTH, IN_SUM, OUT_SUM = range(8, 15)
AGENT, STEP_BUDGET, TOOL, TOOL_REPEAT, TTFT_N, LENGTH_OUT_SUM = range(15, 21)
NB3, NB2 = bin_count(3), bin_count(2)
EVAL0 = 21
H_OUT = EVAL0 + len(KIND_NAMES) * EVAL_SLOTS * 2
H_TTFT = H_OUT + NB3
H_LAT = H_TTFT + NB3
H_STEP = H_LAT + (len(LATENCY_BANDS) + 1) * NB2
WIDTH = H_STEP + MAX_STEP_BIN + 1


@lru_cache(maxsize=1)
def _column_tables() -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Lookup tables from a value (tokens, ms) straight to its column in the running vector."""
    t3, t2, cols = bin_table(3), bin_table(2), tuple(range(WIDTH))  # shared int objects
    lat = tuple(tuple(cols[H_LAT + band * NB2 + b] for b in t2)
                for band in range(len(LATENCY_BANDS) + 1))
    return tuple(cols[H_OUT + b] for b in t3), tuple(cols[H_TTFT + b] for b in t3), lat


def eval_column(kind: int, slot: int) -> int:
    """Column of the golden-answer count of ``kind`` in sampling ``slot`` (correct at +1)."""
    return EVAL0 + (kind * EVAL_SLOTS + slot) * 2


class Tally:
    """Running counters and histograms of telemetry, snapshotted at ticks; see the module doc.

    Example::

        tally = Tally()
        for record in records:
            tally.observe(record)
        tally.advance(60.0)
        counts, span_s = tally.window(60.0, 60.0)  # counts[OK]: successes in (0, 60]
    """

    def __init__(self, horizon_s: float = 900.0, heads_per_s: int = 10) -> None:
        self.horizon_s = horizon_s
        self.heads_per_s = heads_per_s
        self._c: list[float] = [0] * WIDTH  # type: ignore[list-item]
        self._out_col, self._ttft_col, self._lat_col = _column_tables()
        self._last: TelemetryRecord | None = None
        self._times: list[float] = [0.0]
        self._rows: list[np.ndarray] = [np.zeros(WIDTH)]
        self._idents: dict[tuple[str, str | None, str | None], int] = {}
        self._ident_rows: list[dict[tuple[str, str | None, str | None], int]] = [{}]
        self._key_cost: dict[str | None, float] = {}
        self._key_rows: list[dict[str | None, float]] = [{}]
        self._heads: list[tuple[int, str]] = []
        self._head_segments: list[tuple[float, list[tuple[int, str]]]] = []
        self._head_sec = -1
        self._head_n = 0
        self._calls: dict[str, set[str]] = {}
        self._old_calls: dict[str, set[str]] = {}
        self._calls_rotated_s = 0.0
        self._windows: dict[tuple[float, float], tuple[np.ndarray, float]] = {}

    @property
    def now_s(self) -> float:
        """Time of the latest snapshot."""
        return self._times[-1]

    def observe(self, r: TelemetryRecord) -> None:
        """Count one record (a second call with the same object is ignored)."""
        if r is self._last:
            return
        self._last = r
        c = self._c
        if r.budget_action == "agent_max_steps":
            c[STEP_BUDGET] += 1
        outcome = r.outcome
        if outcome == "budget_blocked":
            c[BLOCKED] += 1
            return
        c[SENT] += 1
        cost = r.cost_usd
        c[COST] += cost
        key_cost = self._key_cost
        key_cost[r.api_key] = key_cost.get(r.api_key, 0.0) + cost
        remaining = r.ratelimit_remaining_tokens
        if remaining is not None:
            c[RLT_SUM] += remaining
            c[RLT_N] += 1
        remaining = r.ratelimit_remaining_requests
        if remaining is not None:
            c[RLR_SUM] += remaining
            c[RLR_N] += 1
        if outcome == "ok":
            c[OK] += 1
            o = r.output_tokens
            c[self._out_col[o] if o < _TABLE_LIMIT else H_OUT + NB3 - 1] += 1
            c[OUT_SUM] += o
            c[IN_SUM] += r.input_tokens
            if r.finish_reason == "length":
                c[LENGTH] += 1
                c[LENGTH_OUT_SUM] += o
            if not r.retries:
                ms = int(r.latency_s * 1000.0)
                lat = self._lat_col[0 if o < 16 else 1 if o < 128 else 2 if o < 1024 else 3]
                c[lat[ms] if ms < _TABLE_LIMIT else lat[-1] + 1] += 1
                ttft = r.ttft_s
                if ttft is not None:
                    ms = int(ttft * 1000.0)
                    c[TTFT_N] += 1
                    c[self._ttft_col[ms] if ms < _TABLE_LIMIT else H_TTFT + NB3 - 1] += 1
            key = (r.model_requested, r.model_reported, r.system_fingerprint)
            self._idents[key] = self._idents.get(key, 0) + 1
            if r.content_head:
                sec = int(r.t + r.latency_s)
                if sec != self._head_sec:
                    self._head_sec, self._head_n = sec, 0
                if self._head_n < self.heads_per_s:
                    self._head_n += 1
                    self._heads.append((KINDS.get(r.user_kind, 5), r.content_head))
        elif r.status == 429 or outcome == "rate_limited":
            c[RL] += 1
        elif outcome in ERROR_OUTCOMES or r.status >= 500:
            c[ERR] += 1
        verdict = r.format_ok
        if verdict is not None:
            c[FMT] += 1
            if not verdict:
                c[FMT_BAD] += 1
        verdict = r.correct
        if verdict is not None:
            rid = r.request_id or f"{r.session_id}/{r.step}"
            col = EVAL0 + 2 * (KINDS.get(r.user_kind, 5) * EVAL_SLOTS
                               + zlib.crc32(rid.encode()) % EVAL_SLOTS)
            c[col] += 1
            if verdict:
                c[col + 1] += 1
        if r.tool_calls or r.user_kind == "agent":
            self._observe_agent(r, c)

    def _observe_agent(self, r: TelemetryRecord, c: list[float]) -> None:
        """Agent steps and repeated identical tool calls within a session."""
        c[AGENT] += 1
        step = r.step
        c[H_STEP + (step if 0 <= step < MAX_STEP_BIN else MAX_STEP_BIN)] += 1
        calls = r.tool_calls
        if not calls:
            return
        c[TOOL] += 1
        seen = self._calls.get(r.session_id)
        if seen is None:
            seen = self._old_calls.pop(r.session_id, None) or set()
            self._calls[r.session_id] = seen
        for call in calls:
            if call in seen:
                c[TOOL_REPEAT] += 1
                break
        seen.update(calls)

    def advance(self, now_s: float) -> None:
        """Snapshot the running vector at ``now_s`` (idempotent; earlier times are ignored)."""
        if now_s <= self._times[-1]:
            return
        self._times.append(now_s)
        self._rows.append(np.array(self._c, dtype=np.float64))
        self._windows.clear()
        self._ident_rows.append(dict(self._idents))
        self._key_rows.append(dict(self._key_cost))
        self._head_segments.append((now_s, self._heads))
        self._heads = []
        if now_s - self._calls_rotated_s >= 120.0:
            self._old_calls, self._calls = self._calls, {}
            self._calls_rotated_s = now_s
        keep_from = bisect.bisect_left(self._times, now_s - self.horizon_s) - 1
        if keep_from > 0:
            del self._times[:keep_from], self._rows[:keep_from]
            del self._ident_rows[:keep_from], self._key_rows[:keep_from]
        while self._head_segments and self._head_segments[0][0] < now_s - self.horizon_s:
            self._head_segments.pop(0)

    def _index_at(self, t: float) -> int:
        """Index of the latest snapshot taken at or before ``t`` (0 if none)."""
        return max(bisect.bisect_right(self._times, t + 1e-9) - 1, 0)

    def window(self, end_s: float, length_s: float) -> tuple[np.ndarray, float]:
        """Counts over ``(end_s - length_s, end_s]`` and the span in seconds they really cover.

        Windows end and start at snapshots; monitors sharing a window share one result.
        """
        end = self._index_at(end_s)
        start = self._index_at(end_s - length_s)
        key = (self._times[end], self._times[start])
        hit = self._windows.get(key)
        if hit is None:
            counts = self._rows[end] - self._rows[start]
            counts.flags.writeable = False  # shared by every monitor reading this window
            hit = self._windows[key] = counts, key[0] - key[1]
        return hit

    def identities(
        self, end_s: float, length_s: float
    ) -> dict[tuple[str, str | None, str | None], int]:
        """Successful responses per (model requested, model reported, fingerprint) in a window."""
        end = self._ident_rows[self._index_at(end_s)]
        start = self._ident_rows[self._index_at(end_s - length_s)]
        return {k: n - start.get(k, 0) for k, n in end.items() if n - start.get(k, 0) > 0}

    def heads_since(self, after_s: float) -> list[tuple[float, list[tuple[int, str]]]]:
        """``(kind, head)`` samples of the segments snapshotted after ``after_s``, oldest first."""
        return [(t, heads) for t, heads in self._head_segments if t > after_s]

    def spend_by_key(self, end_s: float, length_s: float) -> dict[str | None, float]:
        """Spend in USD per API key (None: records without one) in a window."""
        end = self._key_rows[self._index_at(end_s)]
        start = self._key_rows[self._index_at(end_s - length_s)]
        return {k: v - start.get(k, 0.0) for k, v in end.items()}
