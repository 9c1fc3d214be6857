"""Budget overspend, spend per fault window and guard cut-off time, on known spend."""

from __future__ import annotations

import pytest

from tests.simulator.scoring.builders import fault, scenario, score, tel, truth


def _minutes(*costs_per_minute: tuple[int, float], api_key: str = "sk-1") -> list:
    """``n`` requests of ``cost`` each inside each successive minute."""
    out = []
    for minute, (n, cost) in enumerate(costs_per_minute):
        out += [tel(minute * 60 + i, cost_usd=cost, api_key=api_key) for i in range(n)]
    return out


def test_spend_per_minute_overspend_sums_each_minute_over_the_limit() -> None:
    telemetry = _minutes((3, 0.01), (8, 0.01), (6, 0.01))  # $0.03, $0.08, $0.06
    card = score(scenario(budgets={"spend_per_minute_usd": 0.05}), telemetry=telemetry)
    over = card.budgets.overspend_of("spend_per_minute_usd")
    assert over is not None
    assert (over.exceeded, over.exceeded_unit) == (2, "minutes")
    assert over.overspend_usd == pytest.approx(0.04)
    assert card.budgets.total_cost_usd == pytest.approx(0.17)


def test_spend_per_minute_is_per_api_key_and_global_spend_is_across_keys() -> None:
    telemetry = _minutes((4, 0.01), api_key="sk-1") + _minutes((4, 0.01), api_key="sk-2")
    card = score(scenario(budgets={"spend_per_minute_usd": 0.05,
                                   "global_spend_per_minute_usd": 0.05}), telemetry=telemetry)
    per_key = card.budgets.overspend_of("spend_per_minute_usd")
    total = card.budgets.overspend_of("global_spend_per_minute_usd")
    assert per_key is not None and per_key.overspend_usd == 0
    assert total is not None and total.overspend_usd == pytest.approx(0.03)


def test_session_tokens_overspend_counts_sessions_excess_tokens_and_their_cost() -> None:
    telemetry = [tel(t, session="a", tokens=(300, 100), cost_usd=0.004) for t in (1, 2, 3)]
    telemetry += [tel(t, session="b", tokens=(300, 100), cost_usd=0.004) for t in (4, 5)]
    card = score(scenario(budgets={"session_tokens": 1000}), telemetry=telemetry)
    over = card.budgets.overspend_of("session_tokens")
    assert over is not None
    assert (over.exceeded, over.excess, over.excess_unit) == (1, 200, "tokens")
    assert over.overspend_usd == pytest.approx(0.002)  # half of the crossing request


def test_agent_max_steps_counts_agent_sessions_beyond_the_limit() -> None:
    agent = [tel(t, session="ag", user_kind="agent", step=t) for t in range(1, 6)]
    blocked = [tel(6, session="ag", user_kind="agent", outcome="budget_blocked", cost_usd=0.0)]
    chat = [tel(10 + t, session="ch", user_kind="chat", step=t) for t in range(1, 6)]
    card = score(scenario(budgets={"agent_max_steps": 3}), telemetry=agent + blocked + chat)
    over = card.budgets.overspend_of("agent_max_steps")
    assert over is not None
    assert (over.exceeded, over.excess) == (1, 2)
    assert over.overspend_usd == pytest.approx(0.002)


def test_guard_cut_off_runs_from_runaway_onset_to_the_first_budget_action() -> None:
    loop = fault("loop-1", "agent_loop", start=60, duration=120)
    telemetry = [tel(50, budget_action="blocked"), tel(70), tel(92, budget_action="session_cut")]
    card = score(scenario([loop]), [truth(62, "loop-1"), truth(70, "loop-1")], telemetry)
    spend = card.budgets.per_fault[0]
    assert spend.fault == "loop-1"
    assert spend.guard_cut_off_after_s == pytest.approx(30.0)
    assert spend.cost_usd == pytest.approx(0.002)  # telemetry sent inside [60, 180)


def test_budget_expectation_fails_with_the_overspend_in_its_detail() -> None:
    expect = [{"budget": "spend_per_minute_usd", "max_overspend_usd": 0.01},
              {"budget": "spend_per_minute_usd", "max_overspend_usd": 0.05}]
    card = score(scenario(budgets={"spend_per_minute_usd": 0.05}, expect=expect),
                 telemetry=_minutes((3, 0.01), (8, 0.01), (6, 0.01)))
    tight, loose = card.expectations
    assert tight.text == "spend_per_minute_usd overspent by at most $0.01"
    assert not tight.passed and loose.passed
    assert tight.detail == (
        "spend_per_minute_usd overspent by $0.04 (limit $0.01): 2 minutes over 0.05")
    assert not card.passed


def test_overspent_budget_costs_ten_points() -> None:
    sc = scenario(budgets={"spend_per_minute_usd": 0.05})
    card = score(sc, telemetry=_minutes((8, 0.01)))
    assert card.score == 90.0
    assert card.score_breakdown.overspend_penalty == 10.0


def test_request_max_tokens_counts_requests_over_the_output_limit() -> None:
    telemetry = [tel(1, tokens=(100, 300), cost_usd=0.004), tel(2, tokens=(100, 100))]
    card = score(scenario(budgets={"request_max_tokens": 200}), telemetry=telemetry)
    over = card.budgets.overspend_of("request_max_tokens")
    assert over is not None
    assert (over.exceeded, over.excess) == (1, 100)
    assert over.overspend_usd == pytest.approx(0.001)  # 100 of the request's 400 tokens
