"""The virtual-time engine: provider state, users, monitors and per-second hooks in one loop.

Everything ``gameday run`` spreads over processes and sockets lives here in one object, so
plug-ins (budget guards, a runbook responder) reach the provider state, the users' runtime
and the alerts directly and act at exact virtual instants through :attr:`on_tick`.

Example::

    engine = VirtualEngine(scenario, sink=MemorySink(), record_truth=truth.append)
    engine.on_tick.append(lambda now_s: print(now_s, len(engine.alerts)))
    alerts = engine.run()
"""

from __future__ import annotations

from collections.abc import Callable

from fake_provider.records import TruthRecord
from fake_provider.state import ProviderState
from simulator.budgets import MemoryActions
from simulator.monitors import MonitorEngine, build_monitors
from simulator.orchestrate.finish import has_builtin_monitors
from simulator.orchestrate.progress import LiveStats
from simulator.records import ActionRecord, Alert
from simulator.scenario import Scenario, to_provider_config
from simulator.virtual.scheduler import Scheduler
from simulator.virtual.transport import VirtualTransport
from simulator.virtual.users import spawn_plan, user_loop
from simulator.workloads.settings import WorkloadRuntime, workload_settings
from simulator.workloads.sinks import TelemetrySink

#: Virtual runs start at the Unix epoch: UTC instants in their records read 1970-01-01.
VIRTUAL_T0_UNIX = 0.0
#: How often ``on_tick`` hooks run, in virtual seconds (``gameday run`` watches once a second).
TICK_S = 1.0

TickHook = Callable[[float], None]


class VirtualEngine:
    """One scenario in virtual time: the same provider core, sessions, monitors and records.

    Handles for plug-ins: :attr:`state` (the provider's :class:`ProviderState`: timeline,
    limiter, mitigations), :attr:`runtime` (the users' :class:`WorkloadRuntime`; replace its
    ``settings`` to change client behaviour), :attr:`monitors`, :attr:`alerts`,
    :attr:`scheduler` and :attr:`on_tick` (called with the virtual time every ``TICK_S``).
    """

    def __init__(
        self,
        scenario: Scenario,
        sink: TelemetrySink,
        record_truth: Callable[[TruthRecord], None],
        t0_unix: float = VIRTUAL_T0_UNIX,
    ) -> None:
        self.scenario = scenario
        self.t0_unix = t0_unix
        self.state = ProviderState.create(to_provider_config(scenario), t0_unix=t0_unix)
        builtin = has_builtin_monitors(scenario)
        self.monitors = MonitorEngine(
            build_monitors(scenario.monitors, scenario.budgets) if builtin else [],
            clock_origin_unix=t0_unix,
        )
        #: Counts requests and feeds every record to the monitors before ``sink``.
        self.stats = LiveStats(sink, None, self.monitors)
        #: Budget and runbook actions taken (written to actions.jsonl at the end).
        self.actions = MemoryActions()
        self.runtime = WorkloadRuntime(
            workload_settings(scenario), t0_unix, self.stats, actions=self.actions
        )
        self.scheduler = Scheduler(on_time=self._advance_monitors)
        self.transport = VirtualTransport(
            self.state,
            lambda: self.scheduler.now_s,
            self.scheduler.sleep,
            record_truth,
            lambda: self.runtime.settings.client.timeout_s,
        )
        #: Hooks called every ``TICK_S`` virtual seconds, after the monitors have ticked.
        self.on_tick: list[TickHook] = []
        #: Alert transitions (fired, resolved) in the order they happened.
        self.alerts: list[Alert] = []
        self._spawned = 0

    @property
    def now_s(self) -> float:
        """Virtual seconds since the run start."""
        return self.scheduler.now_s

    def clock(self) -> float:
        """Virtual Unix seconds (what the sessions read as their clock)."""
        return self.t0_unix + self.scheduler.now_s

    def record_action(self, action: ActionRecord) -> None:
        """Keep a budget or runbook action for actions.jsonl."""
        self.actions.emit_action(action)

    def spawn_users(self, users: int, spawn_rate: float, at_s: float = 0.0) -> None:
        """Start ``users`` more users from ``at_s``, at ``spawn_rate`` per second."""
        settings = self.runtime.settings
        for spawn in spawn_plan(settings.mix, users, spawn_rate, self.runtime.next_user_index):
            body = user_loop(self.runtime, spawn, self.transport, self.scheduler.sleep, self.clock)
            self.scheduler.spawn(body, at_s + spawn.at_s, self._spawned + spawn.order)
        self._spawned += users

    def run(self) -> list[Alert]:
        """Run the scenario's traffic for its duration; every built-in alert episode, by
        firing time (open ones with ``resolved_at`` None)."""
        scenario = self.scenario
        if self._spawned == 0:
            self.spawn_users(scenario.traffic.users, scenario.traffic.spawn_rate)
        self.scheduler.every(TICK_S, self._tick)
        try:
            self.scheduler.run(until_s=scenario.duration_s)
        finally:
            self.scheduler.stop()
        return self.monitors.close(scenario.duration_s)

    def _advance_monitors(self, now_s: float) -> None:
        """Tick the monitors at every 5 s boundary reached, before anything at ``now_s`` runs
        (so a live virtual run and ``gameday score``'s replay see the same records)."""
        if now_s + 1e-9 >= self.monitors.next_tick_s:
            self.alerts.extend(self.monitors.advance(now_s))

    def _tick(self, now_s: float) -> None:
        for hook in self.on_tick:
            hook(now_s)
