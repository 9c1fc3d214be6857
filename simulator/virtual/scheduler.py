"""A discrete-event scheduler over a virtual clock: users are greenlets, nobody sleeps.

Each simulated user runs as a ``greenlet`` (the bare package: no gevent, no
monkey-patching). ``sleep`` parks the calling greenlet until its wake time and switches to
the scheduler, which resumes whatever is due next. Order is fully deterministic: events run
by (time, timers before users, spawn order, sequence).

Example::

    scheduler = Scheduler()
    scheduler.spawn(lambda: scheduler.sleep(2.5), at_s=0.0, order=0)
    scheduler.every(1.0, lambda now_s: print(now_s))
    scheduler.run(until_s=10.0)
    scheduler.stop()
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import NamedTuple

from greenlet import GreenletExit, getcurrent, greenlet  # type: ignore[import-untyped]

from fake_provider.errors import GamedayError

#: Timers (monitor ticks, hooks) run before users due at the same instant.
_TIMER, _USER = 0, 1


class SchedulerError(GamedayError):
    """The scheduler was used wrongly (``sleep`` outside a user, a negative delay)."""


class _Timer(NamedTuple):
    """A repeating callback: its ``k``-th call is due at ``k * interval_s``."""

    interval_s: float
    k: int
    callback: Callable[[float], None]


class _Event(NamedTuple):
    """One entry of the queue; the tuple order is the run order."""

    at_s: float
    rank: int
    order: int
    seq: int
    #: A user's greenlet to resume, a callable to start as a user, or a timer callback.
    target: object


class Scheduler:
    """Runs user greenlets and timers in virtual time (seconds since the run start)."""

    def __init__(self, on_time: Callable[[float], None] | None = None) -> None:
        self.now_s = 0.0
        #: Called with the new time whenever the clock moves forward, before anything runs.
        self.on_time = on_time
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._orders: dict[greenlet, int] = {}
        self._hub: greenlet | None = None
        self._stopped = False

    def spawn(self, run: Callable[[], None], at_s: float, order: int) -> None:
        """Start ``run`` as a user at ``at_s``; ``order`` breaks ties (lower runs first)."""
        self._push(_Event(max(at_s, self.now_s), _USER, order, next(self._seq), run))

    def every(self, interval_s: float, callback: Callable[[float], None]) -> None:
        """Call ``callback(now_s)`` at ``interval_s``, ``2 * interval_s``, ... (no drift)."""
        if interval_s <= 0:
            raise SchedulerError(f"interval_s: expected a positive number, got {interval_s!r}")
        k = max(1, int(self.now_s / interval_s) + 1)
        self._push(
            _Event(k * interval_s, _TIMER, 0, next(self._seq), _Timer(interval_s, k, callback))
        )

    def sleep(self, seconds: float) -> None:
        """Park the calling user for ``seconds`` of virtual time (0 still yields)."""
        current = getcurrent()
        order = self._orders.get(current)
        if order is None or self._hub is None:
            raise SchedulerError("sleep() called outside a user greenlet of this scheduler")
        if not seconds >= 0:
            raise SchedulerError(f"sleep: expected seconds >= 0, got {seconds!r}")
        self._push(_Event(self.now_s + seconds, _USER, order, next(self._seq), current))
        self._hub.switch()

    @property
    def next_at_s(self) -> float | None:
        """When the next event is due (None when nothing is scheduled)."""
        return self._queue[0].at_s if self._queue else None

    def run(self, until_s: float) -> None:
        """Run every event due before ``until_s``; the clock ends at ``until_s``.

        An exception in a user propagates out of here (a harness bug, not an outcome).
        """
        self._hub = getcurrent()
        queue, pop = self._queue, heapq.heappop
        while queue and queue[0].at_s < until_s and not self._stopped:
            event = pop(queue)
            self._set_time(event.at_s)
            target = event.target
            if isinstance(target, _Timer):
                target.callback(self.now_s)
                nxt = target._replace(k=target.k + 1)
                self._push(_Event(nxt.k * nxt.interval_s, _TIMER, 0, next(self._seq), nxt))
            else:
                self._resume(target, event.order)
        self._set_time(max(self.now_s, until_s))

    def _resume(self, target: object, order: int) -> None:
        """Switch to a parked user, or start a new one; forget it once it has finished."""
        if isinstance(target, greenlet):
            user = target
        else:
            user = greenlet(target, parent=self._hub)
            self._orders[user] = order
        user.switch()
        if user.dead:
            self._orders.pop(user, None)

    def _set_time(self, at_s: float) -> None:
        if at_s > self.now_s:
            self.now_s = at_s
            if self.on_time is not None:
                self.on_time(at_s)

    def stop(self) -> None:
        """End every user still running or parked (in spawn order), as locust stops users."""
        self._stopped = True
        self._queue.clear()
        for user in sorted(self._orders, key=self._orders.__getitem__):
            if not user.dead:
                user.throw(GreenletExit)
        self._orders.clear()

    def _push(self, event: _Event) -> None:
        heapq.heappush(self._queue, event)
