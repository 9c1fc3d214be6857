"""The reference pack: which built-in monitors exist, their parameters, and how to build them.

Every monitor learns "healthy" from the first ``baseline_s`` (30 s) of the run, fires after
``for_ticks`` (2) firing ticks and resolves after ``resolve_ticks`` (3) quiet ones. Headline
defaults (README.md has the full table):

=================  =======================  ========================================================
monitor            detects                  fires when (defaults)
=================  =======================  ========================================================
format_failures    swap, prompt, config,    JSON/schema failure share over 30 s > max(5 %, 3x base)
                   token_burst
eval_accuracy      swap, input, retrieval,  20 % graded sample, 60 s, stratified CMH p < 0.01 and
                   prompt, config           accuracy drop >= 5 points (or one kind >= 10 points)
output_drift       swap, token_burst,       PSI of output tokens over baseline deciles, 60 s > 0.25
                   config
semantic_drift     swap, input, prompt,     char 3-gram profile distance of answer heads, 60 s >
                   token_burst              1.5 x q0.99 of a permutation null of the baseline
model_change       swap                     >= 3 responses in 60 s with an unseen model/fingerprint
rate_limited       rate_limit               429 share over 30 s > max(5 %, 3x base)
quota_headroom     rate_limit               remaining tokens/requests over 10 s < 50 % of baseline
cost_burn          token_burst, agent_loop  spend burn over 30 s and 120 s > 1x budget (2x baseline)
token_outliers     token_burst              p99 output > 2x base; long length cut-offs; inputs > 3x
agent_loop         agent_loop               steps past max(2x, +4) of baseline max; budget cut-offs;
                                            repeated identical tool calls
latency_slo        latency                  TTFT / latency-per-length-band 99 % SLO burn > 14.4x
                                            over 20 s and 120 s (slow: > 1.5x baseline p99)
error_rate         server_error             5xx/timeout/connection/malformed share over 30 s > 5 %
=================  =======================  ========================================================

Example::

    monitors = build_monitors(scenario.monitors, scenario.budgets)
    alerts = replay(read_telemetry(run_dir / "telemetry.jsonl"), monitors,
                    duration_s=scenario.duration_s, t0_unix=t0)
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from fake_provider.errors import InvalidInputError
from simulator.monitors.base import SEVERITIES, CommonParams, Monitor, PackMonitor
from simulator.monitors.capacity import QuotaHeadroom, RateLimited
from simulator.monitors.drift import OutputDrift, SemanticDrift
from simulator.monitors.quality import EvalAccuracy, FormatFailures, ModelChange
from simulator.monitors.service import ErrorRate, LatencySlo
from simulator.monitors.spend import AgentLoop, CostBurn, TokenOutliers
from simulator.monitors.tally import Tally
from simulator.scenario.durations import duration_seconds
from simulator.scenario.monitoring import BudgetsSpec, BuiltinMonitor, BuiltinPack, MonitorSpec

PACK: tuple[type[PackMonitor], ...] = (
    FormatFailures, EvalAccuracy, OutputDrift, SemanticDrift, ModelChange, RateLimited,
    QuotaHeadroom, CostBurn, TokenOutliers, AgentLoop, LatencySlo, ErrorRate,
)
MONITOR_TYPES: Mapping[str, type[PackMonitor]] = {cls.name: cls for cls in PACK}
_CLASSES: Mapping[str, tuple[str, ...]] = {
    **{cls.alertname: cls.classes for cls in PACK}, **{cls.name: cls.classes for cls in PACK}}


def declared_classes(alertname: str) -> tuple[str, ...]:
    """Failure classes a built-in alert (or monitor name) detects; () for unknown names."""
    return _CLASSES.get(alertname, ())


def _suggest(value: str, options: Sequence[str]) -> str:
    """``; did you mean 'x'?`` or the list of valid options."""
    close = difflib.get_close_matches(value, options, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(options)}"


def _coerce(name: str, value: Any, f: dataclasses.Field[Any]) -> Any:
    """A parameter value of the field's type; raises ``ValueError`` saying what was expected."""
    default = f.default
    if value is None and default is None:
        return None
    if isinstance(default, str):
        if name == "severity" and value not in SEVERITIES:
            raise ValueError(f"expected one of {', '.join(SEVERITIES)}, got {value!r}")
        return str(value)
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ValueError(f"expected a whole number, got {value!r}")
        lowest = f.metadata.get("min", 1)
        if value < lowest:
            raise ValueError(f"expected a whole number >= {lowest}, got {value!r}")
        return int(value)
    if name.endswith("_s") and isinstance(value, str):
        number = duration_seconds(value)
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a number, got {value!r}")
    else:
        number = float(value)
    if number <= 0 or number > f.metadata.get("max", math.inf):
        top = f.metadata.get("max")
        raise ValueError(f"expected a number above 0{f' and at most {top:g}' if top else ''}, "
                         f"got {value!r}")
    return number


def parse_params(cls: type[PackMonitor], params: Mapping[str, Any], where: str) -> CommonParams:
    """The monitor's parameters from a scenario mapping; ``InvalidInputError`` on bad input."""
    fields = {f.name: f for f in dataclasses.fields(cls.Params)}
    problems, values = [], {}
    for key, value in params.items():
        if key not in fields:
            problems.append(f"{where}.{key}: unknown parameter {key!r} of built-in monitor "
                            f"{cls.name!r}{_suggest(key, sorted(fields))}")
            continue
        try:
            values[key] = _coerce(key, value, fields[key])
        except ValueError as exc:
            problems.append(f"{where}.{key}: {exc}")
    if not problems:
        try:
            return cls.Params(**values)
        except ValueError as exc:  # a check across parameters: "<param>: <problem>"
            problems.append(f"{where}.{exc}")
    raise InvalidInputError("\n".join(problems))


def _horizon_s(params: Sequence[CommonParams]) -> float:
    """Seconds of history the tally must keep: the longest window or baseline, plus slack."""
    longest = [float(getattr(p, f.name)) for p in params for f in dataclasses.fields(p)
               if f.name.endswith("_s") and isinstance(getattr(p, f.name), int | float)]
    return max(longest, default=120.0) + 60.0


def build_monitors(
    specs: Sequence[MonitorSpec], budgets: BudgetsSpec | None = None
) -> list[Monitor]:
    """Built-in monitors of a scenario's ``monitors`` list, sharing one tally.

    ``builtin`` gives all twelve with defaults; ``{name: params}`` gives one monitor (and
    replaces the pack's default of that name); other specs are ignored here.
    """
    chosen: dict[str, CommonParams] = {}
    explicit: set[str] = set()
    problems: list[str] = []
    for i, spec in enumerate(specs):
        where = f"monitors[{i}]"
        if isinstance(spec, BuiltinPack):
            for cls in PACK:
                chosen.setdefault(cls.name, cls.Params())
        elif isinstance(spec, BuiltinMonitor):
            named = MONITOR_TYPES.get(spec.name)
            if named is None:
                problems.append(f"{where}: unknown built-in monitor {spec.name!r}"
                                f"{_suggest(spec.name, sorted(MONITOR_TYPES))}")
            elif spec.name in explicit:
                problems.append(f"{where}: built-in monitor {spec.name!r} is listed twice")
            else:
                try:
                    chosen[spec.name] = parse_params(named, spec.params, f"{where}.{spec.name}")
                    explicit.add(spec.name)
                except InvalidInputError as exc:
                    problems.append(str(exc))
    if problems:
        raise InvalidInputError("\n".join(problems))
    heads = [p.heads_per_s for p in chosen.values() if hasattr(p, "heads_per_s")]
    tally = Tally(horizon_s=_horizon_s(list(chosen.values())), heads_per_s=max(heads, default=10))
    out: list[Monitor] = []
    for cls in PACK:
        if cls.name in chosen:
            params = chosen[cls.name]
            out.append(CostBurn(params, tally, budgets) if cls is CostBurn  # type: ignore[arg-type]
                       else cls(params, tally))
    return out
