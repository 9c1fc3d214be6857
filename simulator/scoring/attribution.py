"""Which fault each alert belongs to, and which alerts belong to none (false alarms)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from simulator.records import Alert
from simulator.scenario import FaultSpecBase, format_duration
from simulator.scoring.scorecard import FalseAlarm

#: The failure classes a monitor declares it detects, by alert name.
DeclaredClasses = Callable[[str], Sequence[str]]


def no_declared_classes(alertname: str) -> tuple[str, ...]:
    """The default ``declared_classes``: no monitor declares anything (any class fits)."""
    return ()


def fault_kind(fault: FaultSpecBase) -> str:
    """The fault's kind (every concrete fault spec declares ``kind``)."""
    return str(getattr(fault, "kind", fault.KIND))


def alert_classes(alert: Alert, declared: DeclaredClasses) -> tuple[str, ...]:
    """Classes an alert names: its ``failure_class`` label (comma-separated), else declared."""
    label = alert.labels.get("failure_class")
    if label:
        return tuple(part.strip() for part in label.split(",") if part.strip())
    return tuple(declared(alert.name))


def unique_episodes(alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts sorted by firing time, one per episode (same name, labels and ``fired_at``)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for alert in sorted(alerts, key=lambda a: (a.fired_at, a.name)):
        key = (alert.name, tuple(sorted(alert.labels.items())), round(alert.fired_at, 3))
        if key not in seen:
            seen.add(key)
            out.append(alert)
    return out


@dataclass(frozen=True, slots=True)
class Attribution:
    """Every alert episode with its fault id (None = false alarm), in firing order."""

    assignments: tuple[tuple[Alert, str | None], ...]
    false_alarms: tuple[FalseAlarm, ...]

    def alerts_of(self, fault_id: str) -> tuple[Alert, ...]:
        """The alerts attributed to ``fault_id``, earliest first."""
        return tuple(a for a, f in self.assignments if f == fault_id)

    def fault_of_cause(self, alertname: str, t: float) -> tuple[bool, str | None]:
        """``(found, fault)`` of the latest episode named ``alertname`` fired at or before ``t``."""
        latest: tuple[bool, str | None] = (False, None)
        for alert, fault in self.assignments:
            if alert.name == alertname and alert.fired_at <= t:
                latest = (True, fault)
        return latest


def attribute_alerts(
    faults: Sequence[FaultSpecBase],
    alerts: Iterable[Alert],
    declared: DeclaredClasses,
    grace_s: float,
) -> Attribution:
    """Attribute each alert to a fault whose window (plus grace) it fires in and whose class fits.

    Among several candidates the one whose class the alert names wins, then the one that
    started most recently; anything left over is a false alarm with the reason why.
    """
    assignments: list[tuple[Alert, str | None]] = []
    false_alarms: list[FalseAlarm] = []
    for alert in unique_episodes(alerts):
        classes = alert_classes(alert, declared)
        in_window = [f for f in faults if f.start_s <= alert.fired_at <= f.end_s + grace_s]
        fitting = [f for f in in_window if not classes or fault_kind(f) in classes]
        if fitting:
            best = max(fitting, key=lambda f: (fault_kind(f) in classes, f.start_s))
            assignments.append((alert, best.id))
            continue
        assignments.append((alert, None))
        false_alarms.append(FalseAlarm(alert, _reason(alert, classes, in_window, grace_s)))
    return Attribution(tuple(assignments), tuple(false_alarms))


def _reason(
    alert: Alert, classes: Sequence[str], in_window: Sequence[FaultSpecBase], grace_s: float
) -> str:
    """Why ``alert`` matched no fault, for the scorecard and the report."""
    when = f"fired at {alert.fired_at:.1f}s"
    if not in_window:
        return f"{when}, outside every fault window (end + {format_duration(grace_s)} grace)"
    names = ", ".join(f"{f.id} ({fault_kind(f)})" for f in in_window)
    return f"{when}; names class {', '.join(classes)}, but the faults then were {names}"
