"""Who the virtual users are and when they start: locust's dispatch, reproduced."""

from __future__ import annotations

from collections import Counter

from simulator.virtual.users import kl_interleave, spawn_plan


def test_kinds_follow_the_mix_weights_interleaved_as_locust_does() -> None:
    mix = {"extract": 5.0, "classify": 2.0, "chat": 2.0, "agent": 2.0, "rag": 1.0}
    plan = spawn_plan(mix, users=12, spawn_rate=12)
    assert Counter(s.kind for s in plan) == {
        "extract": 5,
        "classify": 2,
        "chat": 2,
        "agent": 2,
        "rag": 1,
    }
    assert [s.at_s for s in plan] == [0.0] * 12
    for kind in mix:  # users of a kind are numbered 0, 1, ... in spawn order
        assert [s.user_index for s in plan if s.kind == kind] == list(range(int(mix[kind])))


def test_the_kl_interleave_yields_what_locusts_generator_yields() -> None:
    # Outputs of locust 2.47's dispatch._kl_generator for these weights (its docstring's
    # "AAABAAAAABAA" is not what the code yields); ties go to the smaller class name.
    names = kl_interleave([("A", 5.0), ("B", 1.0)])
    assert "".join(next(names) for _ in range(12)) == "AABAAAAABAAA"
    mix = {"extract": 5.0, "classify": 2.0, "chat": 2.0, "agent": 2.0, "rag": 1.0}
    assert [s.kind for s in spawn_plan(mix, users=6, spawn_rate=6)] == [
        "extract",
        "agent",
        "chat",
        "classify",
        "extract",
        "rag",
    ]


def test_users_start_in_batches_at_the_spawn_rate() -> None:
    plan = spawn_plan({"extract": 1.0}, users=25, spawn_rate=10)
    assert [s.at_s for s in plan] == [0.0] * 10 + [1.0] * 10 + [2.0] * 5
    slow = spawn_plan({"extract": 1.0}, users=3, spawn_rate=0.5)
    assert [s.at_s for s in slow] == [0.0, 2.0, 4.0]
