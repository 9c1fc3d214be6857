"""``gameday run``: provider process + locust traffic + fault clock, into a run directory.

This module imports locust (and so gevent's monkey-patching) only inside the functions
that run it; importing the module itself is cheap and side-effect free.
"""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_provider.errors import GamedayError, InvalidInputError
from fake_provider.netaddr import is_loopback
from simulator.budgets import ActionLog
from simulator.client_metrics import ClientMetrics
from simulator.intake.app import IntakeApp
from simulator.intake.book import AlertBook
from simulator.monitors import MonitorEngine, build_monitors
from simulator.orchestrate.finish import (
    has_builtin_monitors,
    score_and_write,
    write_alerts,
    write_meta,
)
from simulator.orchestrate.intake_server import start_intake
from simulator.orchestrate.locust_files import write_locust_reports
from simulator.orchestrate.progress import LiveStats, ProgressDisplay
from simulator.orchestrate.provider_process import ProviderProcess
from simulator.orchestrate.responding import build_responder, respond
from simulator.orchestrate.rundir import make_run_dir, write_atomic
from simulator.promstack import prometheus_stack
from simulator.records import Alert
from simulator.report import write_report_safely
from simulator.runbooks import AdminApiFixes
from simulator.scenario import Scenario, to_provider_config
from simulator.scoring import Scorecard


class HarnessError(GamedayError):
    """The run could not go on (target unreachable, provider died, interrupted)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Flags of ``gameday run`` that are not scenario overrides."""

    report_dir: Path = Path("reports")
    target: str | None = None
    allow_remote: bool = False
    workers: int = 0
    progress: bool | None = None


@dataclass(slots=True)
class RunOutcome:
    """Where the run wrote its files, and whether it ended early (and why)."""

    run_dir: Path
    requests: int = 0
    t0_unix: float | None = None
    scorecard: Scorecard | None = None
    interrupted: bool = False
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


def check_target(target: str, allow_remote: bool) -> str:
    """The target base URL (no trailing /v1); non-loopback needs ``allow_remote``."""
    parsed = urllib.parse.urlparse(target)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidInputError(f"target {target!r}: expected an http(s) URL")
    if not is_loopback(parsed.hostname) and not allow_remote:
        raise InvalidInputError(
            f"target {target!r} is not on this machine; pass --allow-remote to send load to it"
        )
    base = target.rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


def _reachable(base: str) -> str | None:
    """None when something answers HTTP at ``base``, else why not."""
    try:
        with urllib.request.urlopen(base + "/v1/models", timeout=5):
            return None
    except urllib.error.HTTPError:
        return None  # it answers; auth or routing is its business
    except (OSError, urllib.error.URLError) as exc:
        return str(getattr(exc, "reason", exc))


def run_gameday(scenario: Scenario, options: RunOptions) -> RunOutcome:
    """Run ``scenario`` in real time and write its run directory; never raises after start.

    Errors before traffic starts raise (:class:`InvalidInputError`, :class:`HarnessError`);
    once the run directory exists, failures end the run early and are reported on the
    outcome, with everything recorded so far written out.
    """
    target = options.target or scenario.traffic.target
    base = check_target(target, options.allow_remote) if target else None
    run_dir = make_run_dir(options.report_dir, scenario.name)
    outcome = RunOutcome(run_dir)
    if scenario.source_path is not None:
        write_atomic(run_dir / "scenario.yaml", scenario.source_path.read_bytes())
    provider = ProviderProcess(to_provider_config(scenario), run_dir)
    try:
        _start_and_drive(scenario, options, provider, base, outcome)
    finally:
        code = provider.stop()
        if code not in (0, None) and not outcome.interrupted:
            outcome.notes.append(f"provider exited with code {code}; see provider.log")
        _finish(scenario, outcome)
        outcome.notes.extend(write_report_safely(run_dir))  # after scoring; never raises
    return outcome


def _start_and_drive(
    scenario: Scenario,
    options: RunOptions,
    provider: ProviderProcess,
    base: str | None,
    outcome: RunOutcome,
) -> None:
    """Start the provider, check the target answers, then drive traffic."""
    try:
        provider.start()
    except GamedayError as exc:
        outcome.interrupted, outcome.reason = True, str(exc)
        return
    host = base or provider.url
    problem = _reachable(host)
    if problem is not None:
        outcome.interrupted, outcome.reason = True, f"target {host} is unreachable: {problem}"
        return
    _drive(scenario, options, provider, host, outcome)


def _finish(scenario: Scenario, outcome: RunOutcome) -> None:
    """Score what was recorded (a partial run too) and write run.json."""
    actions = outcome.run_dir / "actions.jsonl"
    if not actions.exists():
        actions.touch()  # no budget guard or runbook action was recorded
    write_meta(
        outcome.run_dir,
        {
            "scenario": scenario.name,
            "seed": scenario.seed,
            "mode": "realtime",
            "scenario_path": str(scenario.source_path) if scenario.source_path else None,
            "t0_unix": outcome.t0_unix,
            "duration_s": scenario.duration_s,
            "users": scenario.traffic.users,
            "spawn_rate": scenario.traffic.spawn_rate,
            "requests": outcome.requests,
            "interrupted": outcome.interrupted,
            "reason": outcome.reason,
            "schema_version": 1,
        },
    )
    if outcome.t0_unix is None:
        return  # traffic never started: nothing to score
    try:
        outcome.scorecard = score_and_write(
            scenario, outcome.run_dir, mode="realtime", t0_unix=outcome.t0_unix
        )
    except GamedayError as exc:
        outcome.notes.append(f"scoring failed: {exc}")


@dataclass(slots=True)
class _Watchers:
    """Where a run's records and alerts go: the telemetry file (through live stats, client
    metrics and the built-in monitors), the alert book behind the intake, the action log."""

    sink: Any
    engine: MonitorEngine
    stats: LiveStats
    book: AlertBook
    intake: Any
    actions: ActionLog


def _open_watchers(scenario: Scenario, run_dir: Path, t0: float) -> _Watchers:
    """Start recording: telemetry sink, monitors, alert intake (port printed), action log."""
    from simulator.workloads.sinks import JsonlSink

    sink = JsonlSink(run_dir / "telemetry.jsonl")
    metrics = ClientMetrics()
    builtin = has_builtin_monitors(scenario)
    engine = MonitorEngine(build_monitors(scenario.monitors, scenario.budgets) if builtin else [])
    engine.clock_origin_unix = t0
    book = AlertBook(t0)
    intake = start_intake(IntakeApp(book, metrics=metrics.registry.render), scenario.monitors)
    print(
        f"alert intake on http://127.0.0.1:{intake.server_port} (POST /webhook, "
        "POST /api/v2/alerts; GET /metrics)",
        file=sys.stderr,
        flush=True,
    )
    stats = LiveStats(sink, metrics, engine)
    return _Watchers(sink, engine, stats, book, intake, ActionLog(run_dir / "actions.jsonl"))


def _close_watchers(w: _Watchers, scenario: Scenario, run_dir: Path, t0: float) -> None:
    """Stop the intake, close the monitors' last episodes, write alerts.jsonl, flush files."""
    w.intake.stop(timeout=2)
    end_s = min(time.time() - t0, scenario.duration_s)
    w.engine.advance(end_s)
    write_alerts(run_dir, [*w.engine.close(end_s), *w.book.episodes()])
    w.sink.close()
    w.actions.close()


def _drive(
    scenario: Scenario,
    options: RunOptions,
    provider: ProviderProcess,
    host: str,
    outcome: RunOutcome,
) -> None:
    """Run locust for the scenario's duration; stop early on a signal or a dead provider."""
    import gevent
    from locust.env import Environment

    from simulator.workloads.distributed import send_controls
    from simulator.workloads.settings import WorkloadRuntime, workload_settings
    from simulator.workloads.users import apply_mix

    settings = workload_settings(scenario)
    if options.workers > 0:  # each worker holds its share of the spend limits
        budgets = dataclasses.replace(settings.budgets, share=1.0 / options.workers)
        settings = dataclasses.replace(settings, budgets=budgets)
    t0 = time.time()
    provider.set_t0(t0)
    outcome.t0_unix = t0
    w = _open_watchers(scenario, outcome.run_dir, t0)
    env = Environment(user_classes=apply_mix(settings), host=host)
    runtime = WorkloadRuntime(settings=settings, t0_unix=t0, sink=w.stats, actions=w.actions)
    env.gameday = runtime  # type: ignore[attr-defined]
    workers: list[subprocess.Popen[bytes]] = []
    stop_reason: list[str] = []

    def on_signal(signum: int) -> None:
        stop_reason.append(f"interrupted by {signal.Signals(signum).name}")

    handlers = [gevent.signal_handler(s, on_signal, s) for s in (signal.SIGINT, signal.SIGTERM)]
    display = ProgressDisplay(enabled=options.progress)
    csv_writer = None
    try:
        runner = _start_runner(env, runtime, options.workers, workers, w.stats)
        responder = build_responder(
            scenario,
            AdminApiFixes(provider.request),
            runtime.controls,
            w.actions,
            (lambda c: send_controls(runner, c)) if options.workers > 0 else None,
        )
        csv_writer = _spawn_csv_history(env, outcome.run_dir)
        # Real Prometheus/Alertmanager (scenario monitors) around the traffic; on exit they
        # report each alert's activeAt into the book, then stop. No-op without them.
        with prometheus_stack(
            scenario, outcome.run_dir, w.intake.server_port, provider.url, w.book, outcome.notes
        ):
            runner.start(scenario.traffic.users, spawn_rate=scenario.traffic.spawn_rate)
            _watch(
                scenario,
                provider,
                w.stats,
                display,
                stop_reason,
                t0,
                w.engine,
                lambda alerts, now_s: respond(responder, [*alerts, *w.book.episodes()], now_s),
            )
            runner.stop()  # workers flush their last telemetry on test_stop, before quit
        runner.quit()
        _join_workers(workers)
    finally:
        display.close()
        for handler in handlers:
            handler.cancel()
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
        _close_watchers(w, scenario, outcome.run_dir, t0)
        write_locust_reports(env, outcome.run_dir, csv_writer)
    outcome.requests = w.stats.requests
    if stop_reason:
        outcome.interrupted, outcome.reason = True, stop_reason[0]


def _start_runner(
    env: Any, runtime: Any, n_workers: int, workers: list[subprocess.Popen[bytes]], stats: LiveStats
) -> Any:
    """A local runner, or a master with ``n_workers`` local worker processes connected."""
    import gevent

    if n_workers <= 0:
        return env.create_local_runner()
    from simulator.workloads.distributed import install_master_collection, send_setup

    runner = env.create_master_runner("127.0.0.1", 0)
    install_master_collection(env, stats, runtime.actions)
    port = runner.server.port
    for _ in range(n_workers):
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "simulator.cli", "worker", "--master", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 30
    while runner.worker_count < n_workers:
        if time.monotonic() > deadline or any(p.poll() is not None for p in workers):
            raise HarnessError(
                f"only {runner.worker_count} of {n_workers} locust workers connected"
            )
        gevent.sleep(0.1)
    send_setup(runner, runtime)
    return runner


def _watch(
    scenario: Scenario,
    provider: ProviderProcess,
    stats: LiveStats,
    display: ProgressDisplay,
    stop_reason: list[str],
    t0: float,
    engine: MonitorEngine,
    on_alerts: Callable[[list[Alert], float], list[str]],
) -> None:
    """Tick once a second until the duration ends, a signal arrives or the provider dies.

    ``on_alerts`` gets the built-in alerts of every tick (the responder acts there) and
    returns lines to show.
    """
    import gevent

    faults = [(f.id, f.start_s, f.start_s + f.duration_s) for f in scenario.faults]
    while True:
        elapsed = time.time() - t0
        if elapsed >= scenario.duration_s or stop_reason:
            return
        if not provider.alive():
            stop_reason.append("the fake provider died mid-run; see provider.log")
            return
        alerts = engine.advance(elapsed)
        for alert in alerts:
            if alert.resolved_at is None:
                display.note(f"alert {alert.name} fired at {alert.fired_at:.0f}s")
        for line in on_alerts(alerts, elapsed):
            display.note(line)
        active = [fid for fid, start, end in faults if start <= elapsed < end]
        display.show(stats.snapshot(elapsed, scenario.duration_s, active))
        gevent.sleep(min(1.0, max(0.05, scenario.duration_s - elapsed)))


def _join_workers(workers: list[subprocess.Popen[bytes]], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    for proc in workers:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _spawn_csv_history(env: Any, run_dir: Path) -> Callable[[], None] | None:
    """Start locust's own CSV history writer; returns a function that stops it."""
    import gevent
    from locust import stats as locust_stats

    writer = locust_stats.StatsCSVFileWriter(
        env, locust_stats.PERCENTILES_TO_REPORT, str(run_dir / "locust"), full_history=False
    )
    greenlet = gevent.spawn(writer.stats_writer)

    def stop() -> None:
        greenlet.kill(block=True)
        writer.close_files()

    return stop
