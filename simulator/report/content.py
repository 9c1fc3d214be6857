"""report.md / report.html content: verdict, faults, false alarms, budgets, expectations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulator.report.document import Block, Bullets, Heading, Image, Para, Table
from simulator.report.fmt import EXIT_MEANING, at, count, secs, usd
from simulator.report.sections import (
    action_blocks,
    budget_blocks,
    expectation_blocks,
    false_alarm_blocks,
)

#: Stages of ``faults[].detection_stages`` (Prometheus alerts): seconds after onset at
#: which the rule went pending, the alert fired and its notification arrived.
DETECTION_STAGES = (("pending_s", "pending"), ("firing_s", "firing"), ("notified_s", "notified"))


def detection_legs(stages: object) -> list[tuple[str, str]]:
    """``(stage, text)`` for each stage present: when it happened after onset, and the leg
    since the previous stage present; nothing when ``stages`` is absent or all null."""
    if not isinstance(stages, Mapping):
        return []
    out = []
    previous: tuple[str, float] = ("onset", 0.0)
    for key, label in DETECTION_STAGES:
        value = stages.get(key)
        if not isinstance(value, int | float):
            continue
        leg = float(value) - previous[1]
        out.append(
            (label, f"{secs(float(value))} after onset ({previous[0]} to {label}: {secs(leg)})")
        )
        previous = (label, float(value))
    return out


def exit_code(card: Mapping[str, Any] | None, meta: Mapping[str, Any]) -> int:
    """The exit code ``gameday run`` gives this run (3 when it ended early or was not scored)."""
    if card is None or meta.get("interrupted"):
        return 3
    return 0 if card.get("passed") else 1


def detection_state(fault: Mapping[str, Any]) -> str:
    """``yes``, ``NO`` or ``no impact`` (the fault affected no request)."""
    if fault.get("onset_s") is None:
        return "no impact"
    return "yes" if fault.get("detected") else "NO"


def _before_detection(fault: Mapping[str, Any]) -> Mapping[str, Any]:
    return (fault.get("impact") or {}).get("before_detection") or {}


def _alert_text(alert: Mapping[str, Any] | None) -> str:
    if not alert:
        return "-"
    return f"{alert.get('name')} ({alert.get('source')}) at {at(alert.get('fired_at'))}"


def verdict_blocks(card: Mapping[str, Any], meta: Mapping[str, Any]) -> list[Block]:
    """The verdict first: passed or failed, score, what the exit code means."""
    code = exit_code(card, meta)
    passed = bool(card.get("passed")) and code == 0
    word = "PASSED" if passed else "FAILED"
    out: list[Block] = [
        Para(
            f"{word}: score {card.get('score', 0):.1f}/100; {EXIT_MEANING[code]}.",
            "good" if passed else "bad",
        )
    ]
    if meta.get("interrupted"):
        out.append(
            Para(
                f"The run ended early: {meta.get('reason') or 'interrupted'}. "
                "Everything recorded until then was scored.",
                "note",
            )
        )
    faults = card.get("faults", [])
    impacted = [f for f in faults if f.get("onset_s") is not None]
    expectations = card.get("expectations", [])
    overspent = [o for o in (card.get("budgets") or {}).get("overspend", []) if o.get("exceeded")]
    breakdown = card.get("score_breakdown") or {}
    out.append(
        Bullets(
            (
                f"faults detected: {sum(bool(f.get('detected')) for f in impacted)} of "
                f"{len(impacted)} that affected traffic ({len(faults)} injected)",
                f"false alarms: {len(card.get('false_alarms', []))}",
                f"expectations met: {sum(bool(e.get('passed')) for e in expectations)} of "
                f"{len(expectations)}",
                f"budgets overspent: {len(overspent)}",
                f"score = detection {breakdown.get('detection', 0):.1f} − false alarms "
                f"{breakdown.get('false_alarm_penalty', 0):.1f} − overspend "
                f"{breakdown.get('overspend_penalty', 0):.1f}, clamped to 0–100",
            )
        )
    )
    return out


def _fault_table(fault: Mapping[str, Any], actions: Sequence[Mapping[str, Any]]) -> Table:
    before = _before_detection(fault)
    impact = fault.get("impact") or {}
    mine = [a for a in actions if a.get("fault") == fault.get("id")]
    mitigation = (
        "; ".join(
            f"{a.get('kind')} {a.get('target') or ''} at {at(a.get('t'))}".replace("  ", " ")
            for a in mine
        )
        or "none"
    )
    rows = [
        ("window", f"{at(fault.get('start_s'))} to {at(fault.get('end_s'))}"),
        ("onset (first affected request)", at(fault.get("onset_s"), "none")),
        ("detected", detection_state(fault)),
        (
            "time to detect",
            f"{secs(fault.get('time_to_detect_s'))} (deadline {secs(fault.get('deadline_s'))})",
        ),
        ("first alert", _alert_text(fault.get("first_alert"))),
    ]
    rows += [
        (f"detection stage: {label}", text)
        for label, text in detection_legs(fault.get("detection_stages"))
    ]
    rows += [
        ("bad responses before detection", count(before.get("bad_responses"))),
        ("tokens before detection", count(before.get("tokens"))),
        ("USD before detection", usd(before.get("cost_usd"))),
        ("requests affected (all)", count(impact.get("requests_affected"))),
        ("bad responses (all)", count(impact.get("bad_responses"))),
        ("runbook", fault.get("runbook") or "none"),
        ("mitigation", mitigation),
        ("time to mitigate", secs(fault.get("time_to_mitigate_s"), "not mitigated")),
        ("postmortem draft", f"postmortem-{fault.get('id')}.md"),
    ]
    if fault.get("note"):
        rows.append(("note", str(fault["note"])))
    return Table(("", "value"), tuple(rows))


def fault_blocks(card: Mapping[str, Any]) -> list[Block]:
    """An overview table, then one table per fault."""
    faults = card.get("faults", [])
    out: list[Block] = [Heading(2, "Faults", "faults")]
    if not faults:
        return [*out, Para("The scenario injected no fault.")]
    out.append(
        Table(
            (
                "fault",
                "kind",
                "detected",
                "TTD",
                "first alert",
                "bad before detection",
                "USD before detection",
            ),
            tuple(
                (
                    str(f.get("id")),
                    str(f.get("kind")),
                    detection_state(f),
                    secs(f.get("time_to_detect_s")),
                    (f.get("first_alert") or {}).get("name", "-"),
                    count(_before_detection(f).get("bad_responses")),
                    usd(_before_detection(f).get("cost_usd")),
                )
                for f in faults
            ),
        )
    )
    actions = (card.get("runbooks") or {}).get("actions", [])
    for fault in faults:
        out += [
            Heading(3, f"{fault.get('id')} ({fault.get('kind')})", f"fault-{fault.get('id')}"),
            _fault_table(fault, actions),
        ]
    return out


def report_blocks(
    card: Mapping[str, Any],
    meta: Mapping[str, Any],
    title: str,
    timeline: Image | None,
    notes: Sequence[str],
) -> list[Block]:
    """Everything above the scenario section, in reading order."""
    out: list[Block] = [Heading(1, title), *verdict_blocks(card, meta)]
    if timeline is not None:
        out.append(timeline)
    out += [
        *fault_blocks(card),
        *false_alarm_blocks(card),
        *budget_blocks(card),
        *expectation_blocks(card),
        *action_blocks(card),
    ]
    if notes:
        out += [Heading(2, "Notes", "notes"), Bullets(tuple(notes))]
    return out
