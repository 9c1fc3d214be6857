"""Orchestration of a real-time game day: provider process, locust, fault clock, run directory."""
