"""Built-in monitors over telemetry: the reference pack, its engine, and offline replay."""

from simulator.monitors.base import Finding, Monitor
from simulator.monitors.engine import MonitorEngine, read_telemetry, replay
from simulator.monitors.pack import MONITOR_TYPES, build_monitors, declared_classes

__all__ = [
    "MONITOR_TYPES",
    "Finding",
    "Monitor",
    "MonitorEngine",
    "build_monitors",
    "declared_classes",
    "read_telemetry",
    "replay",
]
