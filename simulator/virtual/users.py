"""Simulated users in virtual time: who is spawned when, and each user's session loop.

Spawning mirrors locust's ``UsersDispatcher``: ``floor(spawn_rate)`` users (at least one)
per dispatch, dispatches ``per / spawn_rate`` seconds apart, user kinds drawn by locust's
Kullback-Leibler interleave of the mix weights. Each user then runs what a locust
``LLMUser`` runs: a session, think time (seeded per user, as ``LLMUser.wait_time``), again.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from fake_provider.timeline import stable_hash64
from simulator.records import UserKind
from simulator.workloads.sessions import Clock, Sleep, Transport, run_session
from simulator.workloads.settings import WorkloadRuntime, user_weights

#: The kinds in the order locust's user classes are listed (``users.ALL_USER_CLASSES``).
KIND_ORDER: tuple[UserKind, ...] = ("extract", "classify", "chat", "agent", "rag")
#: A user never loops faster than this, so a zero think time cannot stall virtual time.
MIN_LOOP_S = 0.001


@dataclass(frozen=True, slots=True)
class Spawn:
    """One user to start: its kind, its index among users of that kind, and when (s)."""

    order: int
    kind: UserKind
    user_index: int
    at_s: float


def _class_name(kind: str) -> str:
    """The locust class name of a kind (locust breaks weight ties by class name)."""
    return f"{kind.capitalize()}User"


def kl_interleave(weights: Sequence[tuple[str, float]]) -> Iterator[str]:
    """Names in proportion to their weights, as locust's ``_kl_generator`` yields them."""
    heap = [(x * math.log2(x / (x + 1.0)), x + 1.0, x, name) for name, x in weights if x > 0]
    if not heap:
        return
    heapq.heapify(heap)
    while True:
        _, x, weight, name = heap[0]
        yield name
        heapq.heapreplace(heap, (weight * math.log2(x / (x + 1.0)), x + 1.0, weight, name))


def spawn_plan(
    mix: Mapping[str, float],
    users: int,
    spawn_rate: float,
    index_of: Callable[[str], int] | None = None,
) -> list[Spawn]:
    """Every user of the run in spawn order, with its start time in seconds.

    ``index_of(kind)`` numbers users per kind (default 0, 1, ...; the engine passes
    ``WorkloadRuntime.next_user_index``, as the locust users take theirs).
    """
    weights = user_weights(mix)
    by_name = {_class_name(kind): kind for kind in KIND_ORDER}
    names = kl_interleave([(_class_name(k), float(weights[k])) for k in KIND_ORDER if k in weights])
    per = max(1, math.floor(spawn_rate))
    gap_s = per / spawn_rate
    counts: dict[str, int] = {}

    def count(kind: str) -> int:
        counts[kind] = counts.get(kind, -1) + 1
        return counts[kind]

    number = index_of or count
    out = []
    for order, name in zip(range(users), names, strict=False):
        kind = cast(UserKind, by_name[name])
        out.append(Spawn(order, kind, number(kind), (order // per) * gap_s))
    return out


def think_rng(runtime: WorkloadRuntime, kind: str, user_index: int) -> random.Random:
    """The think-time generator of one user (the same draws as ``LLMUser``'s)."""
    seed = runtime.settings.seed
    return random.Random(stable_hash64(seed, kind, runtime.node_index, user_index, "think"))


def user_loop(
    runtime: WorkloadRuntime,
    spawn: Spawn,
    transport: Transport,
    sleep: Sleep,
    clock: Clock,
) -> Callable[[], None]:
    """The body of one user's greenlet: sessions with think time between, until stopped."""
    rng = think_rng(runtime, spawn.kind, spawn.user_index)

    def run() -> None:
        session_no = 0
        while True:
            started = clock()
            run_session(runtime, spawn.kind, spawn.user_index, session_no, transport, sleep, clock)
            session_no += 1
            settings = runtime.settings  # read each time: a runbook may change it mid-run
            think_s = rng.uniform(settings.think_time_min_s, settings.think_time_max_s)
            sleep(max(think_s, MIN_LOOP_S - (clock() - started)))

    return run
