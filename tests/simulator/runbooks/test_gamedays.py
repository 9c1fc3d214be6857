"""Budgets and runbooks judged on whole game days, in virtual time (minutes in seconds)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "scenarios"


def _variant(tmp_path: Path, name: str, source: str, *edits: tuple[str, str]) -> Path:
    """A copy of a shipped scenario with text edits, its runbooks path made absolute."""
    text = (SCENARIOS / source).read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("runbooks: runbooks/", f"runbooks: {SCENARIOS / 'runbooks'}")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_swap_runbook_pins_the_model_and_a_slower_responder_costs_more(
    gameday, tmp_path: Path
) -> None:
    # 8 minutes, so a responder 5 minutes late still acts within the run
    fast = gameday.simulate(
        _variant(
            tmp_path,
            "fast",
            "silent-model-swap.yaml",
            ("responder: {delay: 2m}", "responder: {delay: 0s}"),
        ),
        duration="8m",
    )
    slow = gameday.simulate(
        _variant(
            tmp_path,
            "slow",
            "silent-model-swap.yaml",
            ("responder: {delay: 2m}", "responder: {delay: 5m}"),
        ),
        duration="8m",
    )
    quick, late = fast.fault("swap-1"), slow.fault("swap-1")
    for verdict in (quick, late):
        assert verdict["detected"] and verdict["mitigated"]
        assert verdict["runbook"] == "silent-model-swap"
    alert_at = quick["first_alert"]["fired_at"]
    assert quick["mitigated_at_s"] == alert_at
    assert late["mitigated_at_s"] == late["first_alert"]["fired_at"] + 300
    assert quick["time_to_mitigate_s"] < 30 < late["time_to_mitigate_s"]
    before_quick, before_late = (v["impact"]["before_mitigation"] for v in (quick, late))
    assert before_late["bad_responses"] > 5 * max(1, before_quick["bad_responses"])
    assert before_late["cost_usd"] > before_quick["cost_usd"]
    assert fast.run_dir is not None
    pins = [a for a in _jsonl(fast.run_dir / "actions.jsonl") if a["kind"] == "pin_model"]
    assert pins[0]["detail"]["ok"] and pins[0]["cause"] == quick["first_alert"]["name"]
    swapped = [r["t"] for r in _jsonl(fast.run_dir / "truth.jsonl") if r["fault_ids"]]
    assert max(swapped) <= pins[0]["t"] + 5  # requests in flight at the pin, then none


def test_the_step_guard_keeps_a_loop_within_budget_and_without_it_overspend_shows(
    gameday, tmp_path: Path
) -> None:
    no_runbooks = ("runbooks: runbooks/\n", "")  # the guard alone, no mitigation
    budget = "  - {budget: agent_max_steps, max_overspend_usd: 0}\n"
    guarded = gameday.simulate(
        _variant(
            tmp_path,
            "guarded",
            "agent-loop.yaml",
            no_runbooks,
            ("  - {false_alarms: 0}\n", "  - {false_alarms: 0}\n" + budget),
        )
    )
    unguarded = gameday.simulate(
        _variant(
            tmp_path,
            "unguarded",
            "agent-loop.yaml",
            no_runbooks,
            (
                "budgets: {agent_max_steps: 12, session_tokens: 40000}",
                "budgets: {agent_max_steps: 12, session_tokens: 40000, enforce: false}",
            ),
            ("  - {false_alarms: 0}\n", "  - {false_alarms: 0}\n" + budget),
        )
    )
    assert guarded.exit_code == 0 and unguarded.exit_code == 1

    def overspend(result: Any) -> dict[str, Any]:
        return {o["budget"]: o for o in result.scorecard["budgets"]["overspend"]}

    kept, blown = overspend(guarded), overspend(unguarded)
    assert kept["agent_max_steps"]["overspend_usd"] == 0
    assert kept["agent_max_steps"]["exceeded"] == 0
    assert blown["agent_max_steps"]["exceeded"] > 10  # sessions that ran past 12 steps
    assert blown["agent_max_steps"]["overspend_usd"] > 0
    assert guarded.scorecard["budgets"]["guard_actions"]["agent_max_steps"] > 10
    assert "agent_max_steps" not in unguarded.scorecard["budgets"]["guard_actions"]
    loop_spend = [
        next(f for f in r.scorecard["budgets"]["per_fault"] if f["fault"] == "loop-1")
        for r in (guarded, unguarded)
    ]
    assert loop_spend[0]["cost_usd"] < loop_spend[1]["cost_usd"]
    assert loop_spend[0]["guard_cut_off_after_s"] is not None
    failed = next(e for e in unguarded.scorecard["expectations"] if "agent_max_steps" in e["text"])
    assert not failed["passed"] and "overspent by" in failed["detail"]


def test_the_rate_limit_runbook_ends_the_429_storm(gameday, tmp_path: Path) -> None:
    with_books = gameday.simulate(SCENARIOS / "rate-limit-cascade.yaml")
    without = gameday.simulate(
        _variant(tmp_path, "bare", "rate-limit-cascade.yaml", ("runbooks: runbooks/\n", ""))
    )
    mitigated, bare = with_books.fault("quota-cut"), without.fault("quota-cut")
    assert mitigated["mitigated"] and mitigated["runbook"] == "rate-limit"
    assert not bare["mitigated"] and bare["runbook"] is None
    assert mitigated["impact"]["bad_responses"] * 10 < bare["impact"]["bad_responses"]
    kinds = [a["kind"] for a in with_books.scorecard["runbooks"]["actions"]]
    assert kinds[:2] == ["lower_max_tokens", "throttle"]
