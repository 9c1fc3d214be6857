"""What a postmortem says about a fault, computed from the run: the component that changed,
why standard monitoring missed it, and which signal would have caught it sooner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.records import Alert
from simulator.report.fmt import pct, secs, short_time
from simulator.report.series import WindowStats

#: The component a fault kind changes, as a postmortem names it.
COMPONENT_OF_KIND = {
    "silent_model_swap": "model",
    "rate_limit": "provider capacity",
    "token_burst": "model / input",
    "agent_loop": "model",
    "prompt_regression": "prompt",
    "config_drift": "configuration",
    "input_drift": "input",
    "retrieval_degradation": "input",
    "latency": "provider",
    "server_error": "provider",
}
#: A first mitigation to consider, per fault kind.
MITIGATION_OF_KIND = {
    "silent_model_swap": "pin the model snapshot or fall back to a known-good model",
    "rate_limit": "shed or queue load, spread it over keys, or ask for more quota",
    "token_burst": "cap max_tokens and trim retrieved context",
    "agent_loop": "cap agent steps and stop on repeated identical tool calls",
    "prompt_regression": "roll the prompt back to the last good version",
    "config_drift": "restore the reviewed configuration and guard it in CI",
    "input_drift": "route or reject out-of-distribution inputs and re-run evals on them",
    "retrieval_degradation": "fix or roll back the retriever / index",
    "latency": "fail over to another deployment or region, tighten timeouts",
    "server_error": "retry with backoff and fail over to another deployment",
}
#: Thresholds above which a change is "visible" on the standard dashboards.
VISIBLE_ERROR_POINTS = 0.05
VISIBLE_LATENCY_FACTOR = 1.5
QUALITY_POINTS = 0.05


def component_of(kind: str) -> str:
    """The component a fault of ``kind`` changed (``unknown`` for a kind not listed)."""
    return COMPONENT_OF_KIND.get(kind, "unknown")


def _latency_change(before: WindowStats, during: WindowStats) -> tuple[str, float | None]:
    """``median latency 80 ms (before 78 ms, +3 %)`` and the ratio during/before."""
    b, d = before.latency_p50_s, during.latency_p50_s
    if d is None:
        return "no successful response, so no latency", None
    if b is None or b <= 0:
        return f"median latency {short_time(d)}", None
    ratio = d / b
    return (
        f"median latency {short_time(d)} (before: {short_time(b)}, {100 * (ratio - 1):+.0f} %)"
    ), ratio


def invisibility(before: WindowStats, during: WindowStats) -> str:
    """Why status-code, error-rate and latency dashboards did (not) show the fault, as a
    sentence written from the numbers of the two windows."""
    if during.requests == 0:
        return "No request was sent while the fault was active, so there was nothing to see."
    latency, ratio = _latency_change(before, during)
    seen = (
        f"{pct(during.http_200_share)} of responses were HTTP 200 "
        f"(before: {pct(before.http_200_share)}), the error rate was "
        f"{pct(during.error_rate)} (before: {pct(before.error_rate)}) and {latency}"
    )
    if before.requests == 0:
        return (
            f"During the fault {seen}; there was no fault-free traffic before it to compare with."
        )
    visible = (
        (during.error_rate or 0) - (before.error_rate or 0) > VISIBLE_ERROR_POINTS
        or (before.http_200_share or 0) - (during.http_200_share or 0) > VISIBLE_ERROR_POINTS
        or (ratio is not None and ratio > VISIBLE_LATENCY_FACTOR)
    )
    moved = _quality_changes(before, during)
    if visible:
        text = (
            f"Standard monitoring could see this one: {seen}. The question is whether "
            "an alert on those signals existed and paged."
        )
    else:
        text = (
            f"Standard monitoring saw nothing unusual: {seen}. That is under the usual "
            f"alerting lines (error rate up {100 * VISIBLE_ERROR_POINTS:g} points, median "
            f"latency up {VISIBLE_LATENCY_FACTOR:g}×)."
        )
    if moved:
        text += " What did change: " + "; ".join(moved) + "."
    elif not visible:
        text += " No client-side quality metric moved either."
    return text


def _quality_changes(before: WindowStats, during: WindowStats) -> list[str]:
    """Format, accuracy and token changes big enough to mention."""
    out = []
    for label, b, d in (
        ("format-ok rate", before.format_ok_rate, during.format_ok_rate),
        ("accuracy of graded answers", before.accuracy, during.accuracy),
    ):
        if b is not None and d is not None and abs(d - b) >= QUALITY_POINTS:
            out.append(f"{label} {pct(d)} (before: {pct(b)})")
    b_tok, d_tok = before.tokens_mean, during.tokens_mean
    if b_tok and d_tok and abs(d_tok / b_tok - 1) >= 0.3:
        out.append(f"tokens per successful request {d_tok:,.0f} (before: {b_tok:,.0f})")
    return out


def caught_by(fault: Mapping[str, Any]) -> str:
    """Which signal caught the fault and when."""
    if fault.get("onset_s") is None:
        return "Nothing to catch: the fault affected no request."
    first = fault.get("first_alert")
    if not fault.get("detected") or not first:
        return "Nothing caught it: no alert was attributed to this fault."
    labels = first.get("labels") or {}
    monitor = f", monitor {labels['monitor']}" if labels.get("monitor") else ""
    summary = (first.get("annotations") or {}).get("summary")
    text = (
        f"{first.get('name')} ({first.get('source')}{monitor}) fired at "
        f"{secs(first.get('fired_at'))}, {secs(fault.get('time_to_detect_s'))} after onset."
    )
    return text + (f" It said: {summary}" if summary else "")


def earlier_signal(fault: Mapping[str, Any], pack_first: Alert | None) -> tuple[str, float | None]:
    """Whether a built-in monitor would have fired sooner, and by how many seconds."""
    onset = fault.get("onset_s")
    if onset is None:
        return "Not applicable: the fault affected no request.", None
    if pack_first is None:
        return "None faster: no built-in monitor would have attributed an alert to it.", None
    ttd = max(0.0, pack_first.fired_at - float(onset))
    monitor = pack_first.labels.get("monitor", pack_first.name)
    first = fault.get("first_alert")
    if not fault.get("detected") or not first:
        return (
            f"{pack_first.name} (built-in monitor {monitor}) would have caught it at "
            f"{secs(pack_first.fired_at)}, {secs(ttd)} after onset, where nothing "
            "caught it."
        ), ttd
    gain = float(first["fired_at"]) - pack_first.fired_at
    if gain <= 0 and pack_first.name == first.get("name"):
        return (
            f"None faster: {pack_first.name}, which caught it, is also the earliest "
            "alert any built-in monitor would have attributed to it."
        ), None
    if gain <= 0:
        return (
            "None faster: the earliest built-in monitor that would have caught it, "
            f"{pack_first.name}, fires at {secs(pack_first.fired_at)}, no sooner than "
            f"{first.get('name')}."
        ), None
    return (
        f"{pack_first.name} (built-in monitor {monitor}) would have fired at "
        f"{secs(pack_first.fired_at)} (TTD {secs(ttd)}), {secs(gain)} earlier than "
        f"{first.get('name')}."
    ), gain
