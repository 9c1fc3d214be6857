"""The virtual-time scheduler: deterministic order, timers, no real sleeping, clean stop."""

from __future__ import annotations

import time

import pytest
from greenlet import GreenletExit

from simulator.virtual import Scheduler, SchedulerError


def test_users_wake_in_time_order_with_ties_broken_by_spawn_order() -> None:
    scheduler = Scheduler()
    log: list[tuple[float, str]] = []

    def user(name: str, naps: list[float]) -> None:
        for nap in naps:
            scheduler.sleep(nap)
            log.append((scheduler.now_s, name))

    scheduler.spawn(lambda: user("b", [1.0, 1.0]), at_s=0.0, order=1)
    scheduler.spawn(lambda: user("a", [2.0, 0.5]), at_s=0.0, order=0)
    started = time.perf_counter()
    scheduler.run(until_s=100.0)
    assert time.perf_counter() - started < 1.0  # 100 virtual seconds, no real waiting
    assert log == [(1.0, "b"), (2.0, "a"), (2.0, "b"), (2.5, "a")]
    assert scheduler.now_s == 100.0


def test_timers_tick_every_interval_before_users_due_at_the_same_instant() -> None:
    scheduler = Scheduler()
    log: list[tuple[float, str]] = []
    scheduler.every(1.0, lambda now_s: log.append((now_s, "tick")))

    def user() -> None:
        scheduler.sleep(2.0)
        log.append((scheduler.now_s, "user"))

    scheduler.spawn(user, at_s=0.0, order=0)
    scheduler.run(until_s=3.5)
    assert log == [(1.0, "tick"), (2.0, "tick"), (2.0, "user"), (3.0, "tick")]


def test_the_clock_hook_sees_every_new_instant_before_anything_runs_there() -> None:
    seen: list[float] = []
    scheduler = Scheduler(on_time=seen.append)

    def user() -> None:
        scheduler.sleep(0.25)
        assert seen[-1] == 0.25
        scheduler.sleep(0.0)  # yields, but time does not move
        scheduler.sleep(1.0)

    scheduler.spawn(user, at_s=0.0, order=0)
    scheduler.run(until_s=2.0)
    assert seen == [0.25, 1.25, 2.0]


def test_stop_ends_parked_users_as_locust_stops_them() -> None:
    scheduler = Scheduler()
    ended: list[str] = []

    def user() -> None:
        try:
            scheduler.sleep(50.0)
        except GreenletExit:
            ended.append("stopped mid-sleep")
            raise

    scheduler.spawn(user, at_s=0.0, order=0)
    scheduler.run(until_s=10.0)
    scheduler.stop()
    assert ended == ["stopped mid-sleep"]
    assert scheduler.next_at_s is None


def test_an_exception_in_a_user_reaches_the_caller_of_run() -> None:
    scheduler = Scheduler()

    def user() -> None:
        scheduler.sleep(1.0)
        raise ValueError("bug in a session")

    scheduler.spawn(user, at_s=0.0, order=0)
    with pytest.raises(ValueError, match="bug in a session"):
        scheduler.run(until_s=5.0)
    scheduler.stop()


def test_sleep_outside_a_user_is_refused() -> None:
    with pytest.raises(SchedulerError, match="outside a user"):
        Scheduler().sleep(1.0)
