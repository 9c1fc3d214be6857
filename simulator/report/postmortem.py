"""postmortem-<fault id>.md: a draft per fault the team can finish, written from the run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.records import Alert
from simulator.report.content import detection_legs, detection_state
from simulator.report.document import Block, Bullets, Heading, Para, Table
from simulator.report.findings import (
    MITIGATION_OF_KIND,
    caught_by,
    component_of,
    earlier_signal,
    invisibility,
)
from simulator.report.fmt import at, count, secs, usd
from simulator.report.load import Telemetry
from simulator.report.series import window_stats

#: At most this many attributed alerts are listed in the timeline.
MAX_TIMELINE_ALERTS = 10
#: The fault-free comparison window before a fault is at least this long, seconds.
MIN_BEFORE_S = 30.0


def _summary(fault: Mapping[str, Any], scenario: str) -> str:
    impact = fault.get("impact") or {}
    before = impact.get("before_detection") or {}
    kind = str(fault.get("kind")).replace("_", " ")
    text = (
        f"During the {scenario} game day a {kind} fault ({fault.get('id')}) ran from "
        f"{at(fault.get('start_s'))} to {at(fault.get('end_s'))}."
    )
    if fault.get("onset_s") is None:
        return text + " It affected no request."
    text += (
        f" It affected {count(impact.get('requests_affected'))} requests, "
        f"{count(impact.get('bad_responses'))} of them bad."
    )
    if fault.get("detected"):
        text += (
            f" {(fault.get('first_alert') or {}).get('name')} detected it "
            f"{secs(fault.get('time_to_detect_s'))} after onset"
        )
    else:
        text += " Nothing detected it"
    text += (
        f"; before detection it cost {count(before.get('bad_responses'))} bad responses, "
        f"{count(before.get('tokens'))} tokens and {usd(before.get('cost_usd'))}."
    )
    ttm = fault.get("time_to_mitigate_s")
    text += (
        f" Its impact stopped {secs(ttm)} after onset, after a mitigation."
        if ttm is not None
        else " It was not mitigated."
    )
    return text


def _timeline(fault: Mapping[str, Any], actions: list[Mapping[str, Any]]) -> Table:
    events: list[tuple[float, str]] = [(float(fault["start_s"]), "fault injected (window opens)")]
    if fault.get("onset_s") is not None:
        events.append((float(fault["onset_s"]), "first affected request (onset)"))
    alerts = fault.get("alerts") or []
    for alert in alerts[:MAX_TIMELINE_ALERTS]:
        events.append(
            (float(alert["fired_at"]), f"alert {alert.get('name')} fired ({alert.get('source')})")
        )
    if len(alerts) > MAX_TIMELINE_ALERTS:
        events.append(
            (
                float(alerts[-1]["fired_at"]),
                f"… {len(alerts) - MAX_TIMELINE_ALERTS} more alerts up to here",
            )
        )
    for action in actions:
        events.append(
            (
                float(action["t"]),
                f"action {action.get('kind')} "
                f"(cause {action.get('cause')}, runbook {action.get('runbook') or '-'})",
            )
        )
    ttm = fault.get("time_to_mitigate_s")
    if ttm is not None and fault.get("onset_s") is not None:
        events.append((float(fault["onset_s"]) + float(ttm), "impact stopped"))
    events.append((float(fault["end_s"]), "fault window closes"))
    events.sort(key=lambda e: e[0])
    return Table(("time", "event"), tuple((at(t), text) for t, text in events))


def _follow_ups(
    fault: Mapping[str, Any],
    gain: float | None,
    pack_first: Alert | None,
    component: str,
    guard_missing: bool,
) -> tuple[str, ...]:
    kind = str(fault.get("kind"))
    items = [f"Confirm the root cause and the owner of the {component} change."]
    detected = bool(fault.get("detected"))
    if fault.get("onset_s") is not None and not detected:
        items.append(
            f"Add an alert that catches {kind}"
            + (
                f" (the built-in {pack_first.name} would have)."
                if pack_first
                else ": no built-in monitor caught it either."
            )
        )
    if gain is not None and pack_first is not None and detected:
        items.append(f"Page on {pack_first.name}: it would have fired {secs(gain)} sooner.")
    ttd, deadline = fault.get("time_to_detect_s"), fault.get("deadline_s")
    if ttd is not None and deadline is not None and ttd > deadline:
        items.append(f"Bring the time to detect ({secs(ttd)}) under {secs(deadline)}.")
    if not fault.get("runbook"):
        items.append(f"Write or link a runbook for {kind} alerts.")
    if not fault.get("mitigated") and fault.get("onset_s") is not None:
        items.append(
            f"Decide and automate the mitigation: "
            f"{MITIGATION_OF_KIND.get(kind, 'roll the change back')}."
        )
    if guard_missing:
        items.append(
            "Add a budget guard (agent_max_steps, session_tokens or spend per "
            "minute) that cuts this kind of runaway off; none did."
        )
    items.append("Fill in the impact on users and review this draft with the team.")
    return tuple(items)


def postmortem_blocks(
    fault: Mapping[str, Any],
    card: Mapping[str, Any],
    tel: Telemetry,
    pack_first: Alert | None,
    pack_how: str,
) -> list[Block]:
    """The draft postmortem of one fault."""
    kind = str(fault.get("kind"))
    component = component_of(kind)
    start, end = float(fault["start_s"]), float(fault["end_s"])
    onset = fault.get("onset_s")
    span = max(end - start, MIN_BEFORE_S)
    others = [
        (float(f["start_s"]), float(f["end_s"]))
        for f in card.get("faults", [])
        if f.get("id") != fault.get("id")
    ]
    before = window_stats(tel, max(0.0, start - span), start, others)
    during = window_stats(tel, float(onset) if onset is not None else start, end)
    earlier, gain = earlier_signal(fault, pack_first)
    actions = [
        a
        for a in (card.get("runbooks") or {}).get("actions", [])
        if a.get("fault") == fault.get("id")
    ]
    spend: Mapping[str, Any] = next(
        (
            p
            for p in (card.get("budgets") or {}).get("per_fault", [])
            if p.get("fault") == fault.get("id")
        ),
        {},
    )
    guard_missing = (
        kind in ("agent_loop", "token_burst")
        and onset is not None
        and spend.get("guard_cut_off_after_s") is None
    )
    impact = fault.get("impact") or {}
    cost_rows = tuple(
        (
            label,
            count(part.get("requests")),
            count(part.get("bad_responses")),
            count(part.get("tokens")),
            usd(part.get("cost_usd")),
        )
        for label, part in (
            ("before detection", impact.get("before_detection") or {}),
            ("before mitigation", impact.get("before_mitigation") or {}),
            (
                "whole fault",
                {
                    "requests": impact.get("requests_affected"),
                    "bad_responses": impact.get("bad_responses"),
                    "tokens": impact.get("tokens"),
                    "cost_usd": impact.get("cost_usd"),
                },
            ),
        )
    )
    blocks: list[Block] = [
        Heading(1, f"Postmortem (draft): {fault.get('id')} — {kind.replace('_', ' ')}"),
        Para(
            f"Draft generated from the {card.get('scenario')} game day (seed "
            f"{card.get('seed')}); detected: {detection_state(fault)}. Edit freely."
        ),
        Heading(2, "Summary"),
        Para(_summary(fault, str(card.get("scenario")))),
        Heading(2, "Timeline"),
        _timeline(fault, actions),
        Heading(2, "What changed"),
        Para(
            f"Component: {component}. The game day injected a {kind} fault "
            f"({fault.get('id')}); in production this is a change of the {component}."
        ),
        Heading(2, "What standard monitoring showed"),
        Para(invisibility(before, during)),
        Heading(2, "Which signal caught it"),
        Para(caught_by(fault)),
    ]
    legs = detection_legs(fault.get("detection_stages"))
    if legs:
        blocks.append(Bullets(tuple(f"{label}: {text}" for label, text in legs)))
    blocks += [
        Heading(2, "Which signal would have caught it earlier"),
        Para(f"{earlier} (Every built-in monitor, {pack_how}.)"),
        Heading(2, "Cost before detection"),
        Table(("span", "requests", "bad responses", "tokens", "USD"), cost_rows),
        Heading(2, "Follow-up actions"),
        Bullets(_follow_ups(fault, gain, pack_first, component, guard_missing), checkbox=True),
    ]
    return blocks
