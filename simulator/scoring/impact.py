"""What each fault did: the requests it affected, its onset, and the damage before a response."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import NamedTuple

from fake_provider.records import TruthRecord
from simulator.records import TelemetryRecord
from simulator.scenario import FaultSpecBase
from simulator.scoring.scorecard import Impact, ImpactSlice

#: Client outcomes that are not a bad answer: success, and a guard refusing on purpose.
GOOD_OUTCOMES = frozenset({"ok", "budget_blocked"})


class Hit(NamedTuple):
    """One request a fault affected: when (s since run start), whether it was bad, its cost."""

    t: float
    bad: bool
    tokens: int
    cost_usd: float


def truth_bad(record: TruthRecord) -> bool:
    """Provider view of a bad answer: an error or 429, a broken format or a wrong answer."""
    return (
        record.status >= 400 or record.answer_wrong or record.format_broken
        or record.mode is not None
    )


def telemetry_bad(record: TelemetryRecord) -> bool:
    """Client view of a bad answer: an error or 429, a format failure or a wrong answer."""
    return (
        record.outcome not in GOOD_OUTCOMES or record.format_ok is False
        or record.correct is False
    )


def hits_by_fault(
    truth: Sequence[TruthRecord], telemetry: Sequence[TelemetryRecord]
) -> dict[str, list[Hit]]:
    """Affected requests per fault id, earliest first.

    Provider faults are read from truth ``fault_ids``; client-side faults from telemetry
    ``client_faults``, priced from the matching truth record when there is one. A request
    carrying the fault on both sides counts once.
    """
    found: dict[str, dict[object, Hit]] = {}
    by_id: dict[str, TruthRecord] = {}
    for record in truth:
        by_id[record.request_id] = record
        if record.client_request_id:
            by_id.setdefault(record.client_request_id, record)
        for fault_id in record.fault_ids:
            found.setdefault(fault_id, {})[("truth", record.request_id)] = Hit(
                float(record.t), truth_bad(record), record.input_tokens + record.output_tokens,
                record.cost_usd)
    for index, tel in enumerate(telemetry):
        if not tel.client_faults:
            continue
        match = by_id.get(tel.request_id) if tel.request_id else None
        for fault_id in tel.client_faults:
            hits = found.setdefault(fault_id, {})
            if match is not None and ("truth", match.request_id) in hits:
                key: object = ("truth", match.request_id)
                old = hits[key]
                hits[key] = Hit(min(old.t, float(tel.t)), old.bad or telemetry_bad(tel), old.tokens,
                                old.cost_usd)
            elif match is not None:
                hits[("truth", match.request_id)] = Hit(
                    float(min(tel.t, match.t)), telemetry_bad(tel) or truth_bad(match),
                    match.input_tokens + match.output_tokens, match.cost_usd)
            else:
                hits[("telemetry", index)] = Hit(
                    float(tel.t), telemetry_bad(tel), tel.input_tokens + tel.output_tokens,
                    tel.cost_usd)
    return {k: sorted(v.values(), key=lambda h: h.t) for k, v in found.items()}


def onset_of(hits: Sequence[Hit]) -> float | None:
    """The first affected request's time; None when the fault affected nothing."""
    return hits[0].t if hits else None


def slice_until(hits: Sequence[Hit], until_s: float | None) -> ImpactSlice:
    """Totals of the hits strictly before ``until_s`` (all of them when None)."""
    chosen = [h for h in hits if until_s is None or h.t < until_s]
    return ImpactSlice(
        requests=len(chosen),
        bad_responses=sum(h.bad for h in chosen),
        tokens=sum(h.tokens for h in chosen),
        cost_usd=round(sum(h.cost_usd for h in chosen), 9),
    )


def window_counts(
    faults: Sequence[FaultSpecBase], telemetry: Sequence[TelemetryRecord]
) -> Mapping[str, tuple[int, int]]:
    """Client view per fault: (requests sent in [start, end), how many of them were bad)."""
    ordered = sorted((r.t, telemetry_bad(r)) for r in telemetry)
    times = [t for t, _ in ordered]
    bad_before = list(accumulate((bad for _, bad in ordered), initial=0))
    out = {}
    for fault in faults:
        lo, hi = bisect_left(times, fault.start_s), bisect_left(times, fault.end_s)
        out[fault.id] = (hi - lo, bad_before[hi] - bad_before[lo])
    return out


def fault_impact(
    hits: Sequence[Hit],
    window: tuple[int, int],
    detected_at_s: float | None,
    mitigated_at_s: float | None,
) -> Impact:
    """Impact of one fault given when it was detected and mitigated (None = never)."""
    total = slice_until(hits, None)
    return Impact(
        requests_affected=total.requests,
        bad_responses=total.bad_responses,
        tokens=total.tokens,
        cost_usd=total.cost_usd,
        requests_in_window=window[0],
        bad_responses_in_window=window[1],
        before_detection=slice_until(hits, detected_at_s),
        before_mitigation=slice_until(hits, mitigated_at_s),
    )


def impact_stop_s(hits: Sequence[Hit], action_s: float) -> float:
    """When the fault stops doing damage after a mitigation at ``action_s``: the last bad
    response it caused from then on (error, 429, broken format, wrong answer), or then.

    Requests a fault still touches but no longer harms (a quota cut the clients now stay
    under, a loop the step guard ends) do not count: the mitigation contained them."""
    later = [h.t for h in hits if h.t >= action_s and h.bad]
    return max(later) if later else action_s
