"""Many paced writers driven by one timer: the streams' clock.

A task or timer per stream costs a wake-up per chunk; at hundreds of streams those
wake-ups, not the bytes, are what falls behind. The pacer files every stream under the
tick (``tick_s``, rounded up) of its next due time, wakes once for the earliest tick, and
lets each stream filed there write everything it owes in one go. Filing a stream is a dict
lookup and an append; only a tick that has no streams yet goes on the heap, so the cost per
chunk does not grow with the number of streams.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("fake_provider.wire")


class Paced(Protocol):
    """Something that writes on a schedule."""

    def step(self, horizon: float) -> float | None:
        """Write everything due by ``horizon`` (pacer clock time); the next due time, or
        None when finished (or abandoned)."""
        ...


class Pacer:
    """Runs :class:`Paced` jobs at their due times off a single loop timer.

    Due times are read on ``clock`` (``time.monotonic``, whose resolution is finer than
    uvloop's millisecond ``loop.time()``). A job runs no earlier than ``slack_s`` before its
    due time and, when the loop keeps up, no later than ``tick_s - slack_s`` plus one
    millisecond (the timer's resolution) after it; ``horizon`` tells it how far to go. The
    defaults centre the error on zero: within a millisecond either way.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        tick_s: float = 0.001,
        slack_s: float = 0.001,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loop = loop
        self.clock = clock
        self._tick_s = tick_s
        self._slack_s = slack_s
        self._buckets: dict[int, list[Paced]] = {}
        self._ticks: list[int] = []  # heap of the keys of _buckets
        self._timer: asyncio.TimerHandle | None = None
        self._timer_tick: int | None = None

    def __len__(self) -> int:
        return sum(map(len, self._buckets.values()))

    def add(self, when: float, job: Paced) -> None:
        """Run ``job`` at ``when`` on :attr:`clock` (and then whenever it says)."""
        tick = math.ceil(when / self._tick_s)
        self._file(tick, job)
        if self._timer_tick is None or tick < self._timer_tick:
            self._arm(tick)

    def _file(self, tick: int, job: Paced) -> None:
        bucket = self._buckets.get(tick)
        if bucket is None:
            self._buckets[tick] = [job]
            heapq.heappush(self._ticks, tick)
        else:
            bucket.append(job)

    def due(self) -> bool:
        """Whether a job is due now (what :meth:`poll` would run)."""
        ticks = self._ticks
        return bool(ticks) and ticks[0] * self._tick_s <= self.clock() + self._slack_s

    def poll(self) -> None:
        """Run what is due now, between other work (the server calls this after each
        request it answers, so a burst of requests does not hold streams back)."""
        if self.due():
            self._fire()

    def close(self) -> None:
        """Forget every job and stop the timer."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_tick = None, None
        self._buckets.clear()
        self._ticks.clear()

    def _arm(self, tick: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_tick = tick
        wait = tick * self._tick_s - self._slack_s - self.clock()
        # Whole milliseconds, rounded up: uvloop's timers count in milliseconds and run a
        # timer due in under half of one at once, which would spin until the tick.
        wait = math.ceil(wait * 1000.0) / 1000.0 if wait > 0.0 else 0.0
        self._timer = self._loop.call_later(wait, self._fire)

    def _fire(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_tick = None, None
        ticks, buckets, tick_s = self._ticks, self._buckets, self._tick_s
        horizon = self.clock() + self._slack_s
        late: list[tuple[int, Paced]] = []
        while ticks and ticks[0] * tick_s <= horizon:
            for job in buckets.pop(heapq.heappop(ticks)):
                try:
                    due = job.step(horizon)
                except Exception:  # one broken stream must not stop the others' clock
                    log.exception("paced writer failed")
                    continue
                if due is None:
                    continue
                tick = math.ceil(due / tick_s)
                if tick * tick_s <= horizon:
                    # Due again at once (rounding, or a job that did not move on): it
                    # waits for the next turn of the loop instead of spinning this one.
                    late.append((tick, job))
                else:
                    self._file(tick, job)
        for tick, job in late:
            self._file(tick, job)
        if ticks:
            self._arm(ticks[0])
