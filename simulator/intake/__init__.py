"""Alert intake: Alertmanager webhook and v2 API, so any alerting stack can report in."""
