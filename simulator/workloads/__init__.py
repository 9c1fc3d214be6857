"""Workloads: what the locust users send, how they read answers, and the telemetry they emit.

Only :mod:`simulator.workloads.users` imports locust (and with it gevent's monkey-patching);
every other module here is plain Python, usable from tests and virtual time.
"""
