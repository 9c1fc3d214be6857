"""``gameday simulate`` speed: simulated seconds per wall second, and its cost against the bare
provider core answering the same requests.

Simulates the quickstart's traffic (12 users, its four faults) for ``--duration`` (default
1 h) with :func:`simulator.virtual.simulate_gameday`, recording every request the users
send. Then times the baseline: the same requests, in the same order and at the same virtual
times, through the provider core alone (``parse_json_object`` + ``parse_chat_request`` +
``plan_chat`` on a fresh ``ProviderState``) — no scheduler, sessions, client-side reading,
grading, telemetry, monitors or files. Prints:

* simulated seconds per wall second, for the simulation alone and end to end (with scoring);
* simulation wall time / baseline wall time (how much the whole virtual game day costs on
  top of the provider decisions it is made of).

    python benchmarks/simulate_speed.py [--duration 1h] [--rounds 1] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import median
from fake_provider.errors import ApiError
from fake_provider.plan import RequestContext
from fake_provider.plan_chat import plan_chat
from fake_provider.request import parse_chat_request, parse_json_object
from fake_provider.state import ProviderState
from simulator.scenario import load_scenario, to_provider_config
from simulator.virtual import VIRTUAL_T0_UNIX, SimulateOptions, VirtualEngine, simulate_gameday

REPO = Path(__file__).resolve().parents[1]
Sent = tuple[float, bytes, Mapping[str, str]]


def _recording(engine: VirtualEngine, sent: list[Sent]) -> None:
    """Wrap the engine's provider call so every request is kept for the baseline."""
    plan = engine.transport.plan

    def record(body: bytes, headers: Mapping[str, str]):  # type: ignore[no-untyped-def]
        sent.append((engine.now_s, body, headers))
        return plan(body, headers)

    engine.transport.plan = record  # type: ignore[method-assign]


def bare_core(scenario_path: Path, duration: str, sent: list[Sent]) -> float:
    """Seconds the provider core alone takes to plan ``sent`` (a fresh state, same times)."""
    scenario = load_scenario(scenario_path, overrides={"duration": duration})
    state = ProviderState.create(to_provider_config(scenario), t0_unix=VIRTUAL_T0_UNIX)
    started = time.perf_counter()
    for t_s, body, headers in sent:
        auth = headers.get("Authorization", "")
        ctx = RequestContext(
            t_s,
            auth[7:],
            state.next_request_id(),
            headers.get("x-client-request-id"),
            headers.get("x-stainless-retry-count"),
            headers.get("x-gameday-session"),
        )
        with contextlib.suppress(ApiError):
            plan_chat(parse_chat_request(parse_json_object(body)), ctx, state)
    return time.perf_counter() - started


def simulate_once(args: argparse.Namespace, sent: list[Sent]) -> tuple[float, float, Any]:
    """One simulation into a throw-away directory: (simulation wall s, end-to-end s, outcome)."""
    scenario = load_scenario(args.scenario, overrides={"duration": args.duration})
    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as tmp:
        started = time.perf_counter()
        outcome = simulate_gameday(
            scenario, SimulateOptions(report_dir=Path(tmp)), lambda e: _recording(e, sent)
        )
        end_to_end = time.perf_counter() - started
    if outcome.interrupted or outcome.scorecard is None:
        raise SystemExit(f"simulation failed: {outcome.reason or outcome.notes}")
    return outcome.wall_s, end_to_end, outcome


def main() -> int:
    """Alternate simulation and bare core ``--rounds`` times; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "quickstart.yaml")
    parser.add_argument("--duration", default="1h")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sims, ends, bases = [], [], []
    for _ in range(args.rounds):
        sent: list[Sent] = []
        sim, end, outcome = simulate_once(args, sent)
        sims.append(sim)
        ends.append(end)
        bases.append(bare_core(args.scenario, args.duration, sent))
    sim, end, base = median(sims), median(ends), median(bases)
    simulated = outcome.simulated_s
    print(
        f"{args.scenario.name} for {simulated:.0f} s: {outcome.requests} requests "
        f"({len(sent)} attempts), passed={outcome.scorecard.passed}, {args.rounds} round(s)"
    )
    print(
        f"simulation: {sim:.1f} s wall = {simulated / sim:.0f} simulated s per wall s; "
        f"end to end with scoring: {end:.1f} s ({simulated / end:.0f} s/s)"
    )
    print(
        f"bare provider core on the same {len(sent)} requests: {base:.1f} s "
        f"({simulated / base:.0f} s/s)"
    )
    print(f"simulation / bare core: {sim / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
