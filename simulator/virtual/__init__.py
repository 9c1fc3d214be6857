"""Virtual time: a whole game day in seconds, with no HTTP and no sleeping.

The same provider core (``plan_chat``), sessions, faults, monitors and scorer as
``gameday run``, driven by a deterministic discrete-event scheduler over greenlets (the
bare ``greenlet`` package; nothing here imports gevent or locust).

Example::

    from simulator.scenario import load_scenario
    from simulator.virtual import SimulateOptions, simulate_gameday

    outcome = simulate_gameday(load_scenario("scenarios/quickstart.yaml"), SimulateOptions())
    print(outcome.scorecard.passed, outcome.speedup)
"""

from simulator.virtual.engine import TICK_S, VIRTUAL_T0_UNIX, VirtualEngine
from simulator.virtual.scheduler import Scheduler, SchedulerError
from simulator.virtual.simulate import SimulateOptions, SimulateOutcome, simulate_gameday

__all__ = [
    "TICK_S",
    "VIRTUAL_T0_UNIX",
    "Scheduler",
    "SchedulerError",
    "SimulateOptions",
    "SimulateOutcome",
    "VirtualEngine",
    "simulate_gameday",
]
