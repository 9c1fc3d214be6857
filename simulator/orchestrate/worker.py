"""``gameday worker``: a locust worker process that gets its scenario from the master."""

from __future__ import annotations


def run_worker(master_host: str, master_port: int) -> None:
    """Connect to a ``gameday run --workers`` master and run users until it says stop."""
    import gevent
    from locust.env import Environment

    from simulator.workloads.distributed import flush_periodically, install_worker_setup
    from simulator.workloads.users import AgentUser, ChatUser, ClassifyUser, ExtractUser, RagUser

    env = Environment(user_classes=[ExtractUser, ClassifyUser, ChatUser, AgentUser, RagUser])
    runner = env.create_worker_runner(master_host, master_port)
    install_worker_setup(env)
    flusher = gevent.spawn(flush_periodically, env.gameday_forwarder, gevent.sleep)
    try:
        runner.greenlet.join()
    finally:
        flusher.kill(block=False)
