"""Many paced writers driven by one timer: the streams' clock.

A task or timer per stream costs a wake-up per chunk; at hundreds of streams those
wake-ups, not the bytes, are what falls behind. The pacer keeps every stream's next due
time in one heap, wakes once for the earliest, and lets each stream that is due (within
``slack_s``) write everything it owes in one go.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from typing import Protocol

log = logging.getLogger("fake_provider.wire")


class Paced(Protocol):
    """Something that writes on a schedule."""

    def step(self, horizon: float) -> float | None:
        """Write everything due by ``horizon`` (loop time); the next due time, or None
        when finished (or abandoned)."""
        ...


class Pacer:
    """Runs :class:`Paced` jobs at their due times off a single loop timer."""

    def __init__(self, loop: asyncio.AbstractEventLoop, slack_s: float = 0.0005) -> None:
        self._loop = loop
        self._slack_s = slack_s
        self._heap: list[tuple[float, int, Paced]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, when: float, job: Paced) -> None:
        """Run ``job`` at loop time ``when`` (and then whenever it says)."""
        heapq.heappush(self._heap, (when, next(self._order), job))
        if when < self._timer_at:
            self._arm(when)

    def poll(self) -> None:
        """Run what is due now, between other work (the server calls this after each
        request it answers, so a burst of requests does not hold streams back)."""
        heap = self._heap
        if heap and heap[0][0] <= self._loop.time() + self._slack_s:
            if self._timer is not None:
                self._timer.cancel()
            self._fire()

    def close(self) -> None:
        """Forget every job and stop the timer."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, float("inf")
        self._heap.clear()

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = self._loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        heap, push, pop, order = self._heap, heapq.heappush, heapq.heappop, self._order
        horizon = self._loop.time() + self._slack_s
        while heap and heap[0][0] <= horizon:
            job = pop(heap)[2]
            try:
                due = job.step(horizon)
            except Exception:  # one broken stream must not stop the others' clock
                log.exception("paced writer failed")
                continue
            if due is not None:
                push(heap, (due, next(order), job))
        if heap:
            self._arm(heap[0][0])
