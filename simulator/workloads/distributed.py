"""Master/worker plumbing: ship the runtime to workers, bring every telemetry record back.

Plain code over locust's runner objects (duck-typed, so this module does not import
locust). Records ride on locust's periodic worker report (``report_to_master`` →
``worker_report``, every 3 s) under ``gameday_telemetry``, and in between in a
``gameday_telemetry`` message every second (``flush_periodically``). Locust sends a final
report only when a worker *quits*; on *stop* it sends none, so the worker also pushes what
is left from its ``test_stop`` event — which fires before the worker tells the master
``client_stopped``, so the master has every record once ``stop()`` returns.

Example (master)::

    env.gameday = runtime                        # WorkloadRuntime with the real sink
    runner = env.create_master_runner("127.0.0.1", 5557)
    install_master_collection(env, runtime.sink)
    ...wait for workers...
    send_setup(runner, runtime)
    runner.start(users, spawn_rate)

Example (worker)::

    env = Environment(user_classes=list(ALL_USER_CLASSES))
    env.create_worker_runner("127.0.0.1", 5557)
    install_worker_setup(env)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulator.budgets.actions import ActionSink
from simulator.records import ActionRecord, TelemetryRecord
from simulator.workloads.controls import ClientControls
from simulator.workloads.settings import TelemetrySink, WorkloadRuntime

#: Key of the records in a worker report, and the message carrying the rest at stop.
TELEMETRY_KEY = "gameday_telemetry"
TELEMETRY_MESSAGE = "gameday_telemetry"
#: Master → worker: the runtime (settings JSON and t0); worker → master: please send it.
SETUP_MESSAGE = "gameday_setup"
SETUP_REQUEST_MESSAGE = "gameday_setup_request"
#: Budget guard actions ride along with the records under this key.
ACTIONS_KEY = "gameday_actions"
#: Master → workers: the client-side mitigations in force (``ClientControls`` JSON).
CONTROLS_MESSAGE = "gameday_controls"
#: Records a worker holds before it sends them without waiting for the next report.
BATCH_MAX = 500
#: How often a worker sends what it holds (locust's own reports come every 3 s, too late
#: for the master's monitors, which learn their baseline in the first seconds of a run).
FLUSH_INTERVAL_S = 1.0


class ForwardingSink:
    """A worker's sink: holds records (and actions) as JSON until the next report."""

    def __init__(self, environment: Any, batch_max: int = BATCH_MAX) -> None:
        self.environment = environment
        self.batch_max = batch_max
        self._pending: list[dict[str, Any]] = []
        self._actions: list[dict[str, Any]] = []
        self.emitted = 0
        self.forwarded = 0

    def emit_action(self, record: ActionRecord) -> None:
        """Queue a guard action; it goes out with the next records."""
        self._actions.append(record.to_json())

    def take_actions(self) -> list[dict[str, Any]]:
        """Every queued action, leaving the queue empty."""
        batch, self._actions = self._actions, []
        return batch

    def emit(self, record: TelemetryRecord) -> None:
        """Queue the record; a full batch goes out at once."""
        self._pending.append(record.to_json())
        self.emitted += 1
        if len(self._pending) >= self.batch_max:
            self.send_batch()

    def take(self) -> list[dict[str, Any]]:
        """Everything queued, leaving the queue empty."""
        batch, self._pending = self._pending, []
        self.forwarded += len(batch)
        return batch

    def send_batch(self) -> None:
        """Send what is queued to the master now, as a ``gameday_telemetry`` message."""
        runner = getattr(self.environment, "runner", None)
        if runner is None or not (self._pending or self._actions):
            return
        runner.send_message(
            TELEMETRY_MESSAGE, {"records": self.take(), "actions": self.take_actions()}
        )


def _register(runner: Any, msg_type: str, listener: Callable[..., None]) -> None:
    """``register_message`` unless a listener for ``msg_type`` is already there."""
    if msg_type not in runner.custom_messages:
        runner.register_message(msg_type, listener)


def install_worker_forwarding(environment: Any) -> ForwardingSink:
    """Worker side: attach buffered records to every report, and flush them at test stop."""
    existing = getattr(environment, "gameday_forwarder", None)
    if isinstance(existing, ForwardingSink):
        return existing
    sink = ForwardingSink(environment)
    environment.gameday_forwarder = sink

    def on_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        batch, actions = sink.take(), sink.take_actions()
        if batch:
            data[TELEMETRY_KEY] = batch
        if actions:
            data[ACTIONS_KEY] = actions

    def on_test_stop(**_kw: Any) -> None:
        sink.send_batch()

    environment.events.report_to_master.add_listener(on_report)
    environment.events.test_stop.add_listener(on_test_stop)
    return sink


def flush_periodically(
    sink: ForwardingSink, sleep: Callable[[float], None], interval_s: float = FLUSH_INTERVAL_S
) -> None:
    """Send the worker's held records every ``interval_s`` until the greenlet is killed."""
    while True:
        sleep(interval_s)
        sink.send_batch()


def install_worker_setup(environment: Any) -> None:
    """Worker side (after ``create_worker_runner``): build the runtime the master ships.

    The worker also asks for it, so the order of connecting and ``send_setup`` does not matter.
    """
    forwarder = install_worker_forwarding(environment)
    runner = environment.runner

    def on_setup(environment: Any, msg: Any, **_kw: Any) -> None:
        current = getattr(environment, "gameday", None)
        if isinstance(current, WorkloadRuntime) and current.to_json() == msg.data:
            return  # the broadcast and the answer to our request carry the same runtime
        node = max(0, int(getattr(environment.runner, "worker_index", 0)))
        environment.gameday = WorkloadRuntime.from_json(
            msg.data, forwarder, node_index=node, actions=forwarder
        )

    def on_controls(environment: Any, msg: Any, **_kw: Any) -> None:
        current = getattr(environment, "gameday", None)
        if isinstance(current, WorkloadRuntime):
            current.controls.update_from(msg.data or {})

    _register(runner, SETUP_MESSAGE, on_setup)
    _register(runner, CONTROLS_MESSAGE, on_controls)
    runner.send_message(SETUP_REQUEST_MESSAGE)


def _emit_all(sink: TelemetrySink, records: Iterable[Mapping[str, Any]] | None) -> None:
    for data in records or ():
        sink.emit(TelemetryRecord.from_json(data))


def _answer_setup_request(environment: Any, msg: Any, **_kw: Any) -> None:
    """Send the runtime to a worker that asks, once the master has one."""
    runtime = getattr(environment, "gameday", None)
    if isinstance(runtime, WorkloadRuntime):
        environment.runner.send_message(SETUP_MESSAGE, runtime.to_json(), client_id=msg.node_id)


def _act_all(actions: ActionSink | None, records: Iterable[Mapping[str, Any]] | None) -> None:
    for data in records or ():
        if actions is not None:
            actions.emit_action(ActionRecord.from_json(data))


def install_master_collection(
    environment: Any, sink: TelemetrySink, actions: ActionSink | None = None
) -> None:
    """Master side (after ``create_master_runner``): every worker's records into ``sink``,
    and their guard actions into ``actions``."""

    def on_worker_report(client_id: str, data: Mapping[str, Any], **_kw: Any) -> None:
        _emit_all(sink, data.get(TELEMETRY_KEY))
        _act_all(actions, data.get(ACTIONS_KEY))

    def on_telemetry(environment: Any, msg: Any, **_kw: Any) -> None:
        _emit_all(sink, (msg.data or {}).get("records"))
        _act_all(actions, (msg.data or {}).get("actions"))

    environment.events.worker_report.add_listener(on_worker_report)
    _register(environment.runner, TELEMETRY_MESSAGE, on_telemetry)
    _register(environment.runner, SETUP_REQUEST_MESSAGE, _answer_setup_request)


def send_setup(master_runner: Any, runtime: WorkloadRuntime) -> None:
    """Master side: ship ``runtime`` (settings and t0) to every worker, now and on request."""
    environment = master_runner.environment
    environment.gameday = runtime
    _register(master_runner, SETUP_REQUEST_MESSAGE, _answer_setup_request)
    master_runner.send_message(SETUP_MESSAGE, runtime.to_json())


def send_controls(master_runner: Any, controls: ClientControls) -> None:
    """Master side: put the client-side mitigations in force on every worker."""
    master_runner.send_message(CONTROLS_MESSAGE, controls.to_json())
