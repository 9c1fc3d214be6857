"""Report sections after the faults: false alarms, budgets, expectations, actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.report.document import Block, Heading, Para, Table
from simulator.report.fmt import at, count, number, secs, usd

#: Up to this many false alarms are listed one by one; more are grouped by alert name.
MAX_LISTED_ALARMS = 30


def false_alarm_blocks(card: Mapping[str, Any]) -> list[Block]:
    """Every alert attributed to no fault and why (grouped by name when there are many)."""
    alarms = card.get("false_alarms", [])
    out: list[Block] = [Heading(2, "False alarms", "false-alarms")]
    if not alarms:
        return [*out, Para("None: every alert was attributed to a fault.")]
    if len(alarms) <= MAX_LISTED_ALARMS:
        rows = tuple(
            (
                str(a["alert"].get("name")),
                str(a["alert"].get("source")),
                at(a["alert"].get("fired_at")),
                str(a.get("reason", "")),
            )
            for a in alarms
        )
        return [*out, Table(("alert", "source", "fired", "why it is a false alarm"), rows)]
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for alarm in alarms:
        key = (str(alarm["alert"].get("name")), str(alarm["alert"].get("source")))
        groups.setdefault(key, []).append(alarm)
    grouped = tuple(
        (
            name,
            source,
            count(len(group)),
            at(group[0]["alert"].get("fired_at")),
            str(group[0].get("reason", "")),
        )
        for (name, source), group in sorted(groups.items(), key=lambda g: -len(g[1]))
    )
    return [
        *out,
        Para(f"{count(len(alarms))} false alarms, grouped by alert name."),
        Table(("alert", "source", "episodes", "first fired", "why (first episode)"), grouped),
    ]


def budget_blocks(card: Mapping[str, Any]) -> list[Block]:
    """Totals, overspend per budget, spend per fault window."""
    budgets = card.get("budgets") or {}
    out: list[Block] = [
        Heading(2, "Budgets", "budgets"),
        Para(
            f"Total spend {usd(budgets.get('total_cost_usd'))} for "
            f"{count(budgets.get('total_tokens'))} tokens."
        ),
    ]
    overspend = budgets.get("overspend", [])
    if overspend:
        out.append(
            Table(
                ("budget", "limit", "exceeded", "excess", "overspend USD"),
                tuple(
                    (
                        str(o.get("budget")),
                        number(o.get("limit")),
                        f"{count(o.get('exceeded'))} {o.get('exceeded_unit', '')}".strip(),
                        f"{number(o.get('excess'))} {o.get('excess_unit', '')}".strip(),
                        usd(o.get("overspend_usd")),
                    )
                    for o in overspend
                ),
            )
        )
    else:
        out.append(Para("No budget was set."))
    per_fault = budgets.get("per_fault", [])
    if per_fault:
        out.append(
            Table(
                ("fault window", "from", "to", "tokens", "USD", "guard cut off after"),
                tuple(
                    (
                        str(p.get("fault")),
                        at(p.get("start_s")),
                        at(p.get("end_s")),
                        count(p.get("tokens")),
                        usd(p.get("cost_usd")),
                        secs(p.get("guard_cut_off_after_s")),
                    )
                    for p in per_fault
                ),
            )
        )
    guards = budgets.get("guard_actions") or {}
    if guards:
        out.append(
            Para(
                "Guard actions taken: "
                + ", ".join(f"{name} {count(n)}" for name, n in guards.items())
                + "."
            )
        )
    return out


def expectation_blocks(card: Mapping[str, Any]) -> list[Block]:
    """Each ``expect:`` entry with its result."""
    rows = tuple(
        (str(e.get("text")), "pass" if e.get("passed") else "FAIL", str(e.get("detail", "")))
        for e in card.get("expectations", [])
    )
    out: list[Block] = [Heading(2, "Expectations", "expectations")]
    return [
        *out,
        Table(("expectation", "result", "what happened"), rows)
        if rows
        else Para("The scenario states no expectation."),
    ]


def action_blocks(card: Mapping[str, Any]) -> list[Block]:
    """Runbook actions, alerts nothing acted on, and which runbooks each alert resolves to."""
    runbooks = card.get("runbooks") or {}
    actions = runbooks.get("actions", [])
    out: list[Block] = [Heading(2, "Actions and runbooks", "actions")]
    if actions:
        out.append(
            Table(
                ("at", "action", "cause", "target", "fault", "runbook"),
                tuple(
                    (
                        at(a.get("t")),
                        str(a.get("kind")),
                        str(a.get("cause")),
                        str(a.get("target") or "-"),
                        str(a.get("fault") or "-"),
                        str(a.get("runbook") or "-"),
                    )
                    for a in actions
                ),
            )
        )
    else:
        out.append(Para("No runbook action was taken during the run."))
    if runbooks.get("failed_actions"):
        out.append(Para(f"Actions that failed to execute: {count(runbooks['failed_actions'])}."))
    quiet = runbooks.get("alerts_without_action", [])
    if quiet:
        out.append(Para("Alerts no action answered: " + ", ".join(map(str, quiet)) + "."))
    unhandled = runbooks.get("alerts_without_runbook", [])
    if unhandled:
        out.append(Para("Alerts no runbook handles: " + ", ".join(map(str, unhandled)) + "."))
    mapped = [a for a in runbooks.get("alerts", []) if a.get("runbooks")]
    if mapped:
        out.append(
            Table(
                ("alert", "fault", "runbooks", "runbook declares the fault's class"),
                tuple(
                    (
                        str(a.get("alert")),
                        str(a.get("fault") or "-"),
                        ", ".join(map(str, a.get("runbooks", []))),
                        {True: "yes", False: "NO"}.get(a.get("declares_class"), "-"),
                    )
                    for a in mapped
                ),
            )
        )
    return out
