"""Budgets under test: the guards the clients enforce and where their actions go."""

from simulator.budgets.actions import ActionLog, ActionSink, MemoryActions, read_actions
from simulator.budgets.guards import BudgetLimits, SpendGuard

__all__ = ["ActionLog", "ActionSink", "BudgetLimits", "MemoryActions", "SpendGuard", "read_actions"]
