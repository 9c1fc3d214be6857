"""Real Prometheus (and Alertmanager) around a run's traffic, from the scenario's monitors.

Example::

    with prometheus_stack(scenario, run_dir, intake_port, provider.url, book, notes):
        drive_traffic()
    # alerts in ``book`` now carry pending_at (Prometheus activeAt) and notified_at
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fake_provider.errors import GamedayError, InvalidInputError
from simulator.intake.book import AlertBook
from simulator.promstack.activations import query_activations
from simulator.promstack.configs import (
    ScrapeTargets,
    alertmanager_config,
    copy_rules,
    prometheus_config,
    read_team_yaml,
    write_yaml,
)
from simulator.promstack.process import ServiceError, ServiceProcess, free_port
from simulator.promstack.tools import (
    Binaries,
    check_alertmanager_config,
    check_rules,
    find_binaries,
    rule_files,
)
from simulator.scenario import AlertmanagerMonitor, PrometheusMonitor, Scenario

START_TIMEOUT_S = 30.0
#: How far back the post-run query looks beyond the time Prometheus ran.
QUERY_MARGIN_S = 60.0


@dataclass(frozen=True, slots=True)
class StackPlan:
    """What a scenario asks of the real alerting stack, checked and ready to start."""

    binaries: Binaries
    rule_files: tuple[Path, ...]
    scrape_interval_s: float
    evaluation_interval_s: float
    alertmanager_config: Path | None


def plan_stack(scenario: Scenario, *, servers: bool = True) -> StackPlan | None:
    """Check the scenario's prometheus/alertmanager monitors; None when it has neither.

    Runs ``promtool check rules`` and ``amtool check-config`` on the team's files. Raises
    :class:`InvalidInputError` when they reject them, a binary is missing (``servers=False``
    needs only promtool and amtool, as ``gameday lint`` does) or an Alertmanager has no
    Prometheus to send it alerts.
    """
    proms = [(i, m) for i, m in enumerate(scenario.monitors) if isinstance(m, PrometheusMonitor)]
    ams = [(i, m) for i, m in enumerate(scenario.monitors) if isinstance(m, AlertmanagerMonitor)]
    if not proms and not ams:
        return None
    if not proms:
        raise InvalidInputError(
            f"monitors[{ams[0][0]}].alertmanager: needs a prometheus monitor to send it alerts"
        )
    if len(ams) > 1:
        raise InvalidInputError(f"monitors[{ams[1][0]}]: only one alertmanager per run")
    binaries = find_binaries(alertmanager=bool(ams), servers=servers)
    files: list[Path] = []
    for i, monitor in proms:
        found = rule_files(monitor.rules)
        check_rules(binaries.promtool, found, f"monitors[{i}].prometheus.rules")
        files.extend(found)
    am_config = ams[0][1].config if ams else None
    if am_config is not None and binaries.amtool is not None:
        check_alertmanager_config(binaries.amtool, am_config, f"monitors[{ams[0][0]}]")
    return StackPlan(
        binaries=binaries,
        rule_files=tuple(files),
        scrape_interval_s=min(m.scrape_interval_s for _, m in proms),
        evaluation_interval_s=min(m.evaluation_interval_s for _, m in proms),
        alertmanager_config=am_config,
    )


def _host_port(url: str) -> str:
    """``host:port`` of an ``http://host:port`` URL."""
    return url.split("://", 1)[-1].split("/", 1)[0]


@contextlib.contextmanager
def prometheus_stack(
    scenario: Scenario,
    run_dir: Path,
    intake_port: int,
    provider_url: str,
    book: AlertBook,
    notes: list[str],
) -> Iterator[StackPlan | None]:
    """Run Prometheus (and Alertmanager) for the duration of the block; no-op without them.

    On the way out it records each alert's ``activeAt`` in ``book`` and stops the
    processes; problems after start become ``notes``, never exceptions.
    """
    plan = plan_stack(scenario)
    if plan is None:
        yield None
        return
    with contextlib.ExitStack() as stack:
        scratch = Path(tempfile.mkdtemp(prefix="gameday-prom-"))
        stack.callback(shutil.rmtree, scratch, ignore_errors=True)
        intake = f"127.0.0.1:{intake_port}"
        am_addr = None
        if plan.alertmanager_config is not None:
            am = _alertmanager(plan, run_dir, scratch, intake)
            stack.callback(_stop, am, notes)
            am.start(START_TIMEOUT_S)
            am_addr = _host_port(am.url)
            _announce(am)
        targets = ScrapeTargets(intake, _host_port(provider_url), intake, am_addr)
        prom = _prometheus(plan, run_dir, scratch, targets)
        stack.callback(_stop, prom, notes)
        started = time.time()
        prom.start(START_TIMEOUT_S)
        _announce(prom)
        yield plan
        _record_activations(prom, book, time.time() - started + QUERY_MARGIN_S, notes)


def _prometheus(
    plan: StackPlan, run_dir: Path, scratch: Path, targets: ScrapeTargets
) -> ServiceProcess:
    """prometheus.yml and rules written into the run directory; the process not started."""
    rules = copy_rules(plan.rule_files, run_dir)
    config = prometheus_config(targets, rules, plan.scrape_interval_s, plan.evaluation_interval_s)
    write_yaml(
        run_dir / "prometheus.yml",
        config,
        "Written by gameday run: scrapes the run's client and provider /metrics, evaluates the\n"
        "rules copied into rules/, and sends alerts to the harness intake (and Alertmanager).",
    )
    port = free_port()
    if plan.binaries.prometheus is None:
        raise ServiceError("prometheus: planned without servers (lint only)")
    cmd = [
        plan.binaries.prometheus,
        f"--config.file={run_dir / 'prometheus.yml'}",
        f"--storage.tsdb.path={scratch / 'tsdb'}",
        "--storage.tsdb.retention.time=1d",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=info",
    ]
    return ServiceProcess("prometheus", cmd, run_dir / "prometheus.log", f"http://127.0.0.1:{port}")


def _alertmanager(plan: StackPlan, run_dir: Path, scratch: Path, intake: str) -> ServiceProcess:
    """alertmanager.yml (the team's, plus the harness webhook) checked; process not started."""
    if plan.alertmanager_config is None or plan.binaries.alertmanager is None:
        raise ServiceError("alertmanager: planned without a config or binary")
    team = read_team_yaml(plan.alertmanager_config, "alertmanager config")
    config = alertmanager_config(team, f"http://{intake}/webhook", plan.alertmanager_config.parent)
    path = run_dir / "alertmanager.yml"
    write_yaml(
        path,
        config,
        f"{plan.alertmanager_config} as run: every receiver also notifies the harness webhook.",
    )
    if plan.binaries.amtool is not None:
        try:
            check_alertmanager_config(plan.binaries.amtool, path, "alertmanager.yml as run")
        except InvalidInputError as exc:
            raise ServiceError(str(exc)) from None
    port = free_port()
    cmd = [
        plan.binaries.alertmanager,
        f"--config.file={path}",
        f"--storage.path={scratch / 'alertmanager'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=info",
    ]
    return ServiceProcess(
        "alertmanager", cmd, run_dir / "alertmanager.log", f"http://127.0.0.1:{port}"
    )


def _announce(service: ServiceProcess) -> None:
    print(f"{service.name} on {service.url}", file=sys.stderr, flush=True)


def _record_activations(
    prom: ServiceProcess, book: AlertBook, lookback_s: float, notes: list[str]
) -> None:
    """Put every alert's Prometheus ``activeAt`` into the book (pending instants)."""
    if not prom.alive():
        notes.append(f"prometheus died during the run: {prom.tail_log()}")
        return
    try:
        activations = query_activations(prom.url, lookback_s, time.time())
    except (OSError, urllib.error.URLError, ValueError) as exc:
        notes.append(f"could not read alert activations from prometheus: {exc}")
        return
    for activation in activations:
        book.note_activation(activation.fingerprint, activation.active_at_unix)


def _stop(service: ServiceProcess, notes: list[str]) -> None:
    try:
        code = service.stop()
    except (OSError, GamedayError) as exc:
        notes.append(f"stopping {service.name} failed: {exc}")
        return
    if code not in (0, None, -15):
        notes.append(f"{service.name} exited with code {code}; see {service.name}.log")
