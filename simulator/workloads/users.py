"""The locust users: one ``FastHttpUser`` per kind, running sessions from ``sessions.py``.

The only workloads module that imports locust (and so monkey-patches with gevent). Users
read their :class:`WorkloadRuntime` from ``environment.gameday``.

Example (one process)::

    env = Environment(user_classes=apply_mix(settings), host=provider_url)
    env.gameday = WorkloadRuntime(settings=settings, t0_unix=time.time(), sink=sink)
    env.create_local_runner().start(20, spawn_rate=10)
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import gevent  # type: ignore[import-untyped]
from locust import FastHttpUser, task

from fake_provider.errors import GamedayError
from fake_provider.timeline import stable_hash64
from simulator.records import UserKind
from simulator.workloads.distributed import (
    install_master_collection,
    install_worker_forwarding,
    install_worker_setup,
    send_setup,
)
from simulator.workloads.exchange import CHAT_PATH
from simulator.workloads.replies import (
    Reply,
    StreamReader,
    is_timeout,
    parse_completion,
    transport_failure,
)
from simulator.workloads.sessions import run_session
from simulator.workloads.settings import WorkloadRuntime, WorkloadSettings, user_weights

__all__ = [
    "ALL_USER_CLASSES",
    "AgentUser",
    "ChatUser",
    "ClassifyUser",
    "ExtractUser",
    "LLMUser",
    "RagUser",
    "apply_mix",
    "install_master_collection",
    "install_worker_forwarding",
    "install_worker_setup",
    "send_setup",
]


class MissingRuntimeError(GamedayError):
    """A user started on an Environment without ``gameday`` (no runtime set or shipped)."""


def runtime_of(environment: Any) -> WorkloadRuntime:
    """The runtime the orchestrator (or the master's setup message) put on ``environment``."""
    runtime = getattr(environment, "gameday", None)
    if not isinstance(runtime, WorkloadRuntime):
        raise MissingRuntimeError(
            "environment.gameday is not a WorkloadRuntime: set it before starting users "
            "(workers get it from the master via install_worker_setup/send_setup)"
        )
    return runtime


def _failure(
    exc: BaseException | None,
    elapsed_s: float,
    what: str,
    headers: Mapping[str, str] | None = None,
    status: int = 0,
) -> Reply:
    if exc is not None and is_timeout(exc):
        return transport_failure("timeout", "timeout", elapsed_s, headers, status)
    return transport_failure("connection_error", what, elapsed_s, headers, status)


def _read_stream(resp: Any, headers: Mapping[str, str], started: float, timeout_s: float) -> Reply:
    """Read SSE lines as they arrive (``readline`` returns per line, unlike ``iter_content``)."""
    reader = StreamReader()
    failure = None
    try:
        while line := resp.stream.readline(b"\n"):
            at_s = time.perf_counter() - started
            reader.feed(line, at_s)
            if at_s > timeout_s:
                failure = ("timeout", "timeout")
                break
    except Exception as exc:  # any transport error mid-stream is an outcome
        failure = ("timeout", "timeout") if is_timeout(exc) else ("connection_error", "stream_cut")
    finally:
        resp.release()  # closes the socket unless the stream was read to the end
    return reader.reply(200, headers, time.perf_counter() - started, failure)  # type: ignore[arg-type]


def _read(resp: Any, stream: bool, started: float, timeout_s: float) -> Reply:
    """One attempt's reply from a locust response (status 0 = no HTTP answer at all)."""
    status = resp.status_code
    if status == 0:
        return _failure(getattr(resp, "error", None), time.perf_counter() - started, "connect")
    headers = {str(k).lower(): str(v) for k, v in (resp.headers or {}).items()}
    if stream and status == 200:
        return _read_stream(resp, headers, started, timeout_s)
    if 200 <= status < 300 and resp.request_meta.get("exception") is not None:
        exc = resp.request_meta["exception"]  # the body broke off after the headers
        elapsed_s = time.perf_counter() - started
        return _failure(exc, elapsed_s, "incomplete_body", headers, status)
    body = resp.content or b""
    return parse_completion(status, headers, body, time.perf_counter() - started)


class LLMUser(FastHttpUser):
    """One simulated app user of an LLM feature; subclasses fix the kind."""

    abstract = True
    kind: ClassVar[UserKind]
    max_retries = 0  # retries are ours (exchange.retry_delay_s), not geventhttpclient's

    def __init__(self, environment: Any) -> None:
        runtime = runtime_of(environment)
        self.network_timeout = runtime.settings.client.timeout_s
        self.connection_timeout = runtime.settings.client.timeout_s
        super().__init__(environment)
        self.runtime = runtime
        self.user_index = runtime.next_user_index(self.kind)
        self.session_no = 0
        seed = runtime.settings.seed
        self._think_rng = random.Random(
            stable_hash64(seed, self.kind, runtime.node_index, self.user_index, "think")
        )

    def wait_time(self) -> float:
        """Think time between sessions, seconds."""
        settings = self.runtime.settings
        return self._think_rng.uniform(settings.think_time_min_s, settings.think_time_max_s)

    @task
    def session(self) -> None:
        """Run the next session; its records go to the runtime's sink."""
        session_no, self.session_no = self.session_no, self.session_no + 1
        run_session(self.runtime, self.kind, self.user_index, session_no, self.send, gevent.sleep)

    def send(self, body: bytes, headers: Mapping[str, str], stream: bool) -> Reply:
        """One attempt through locust's client, so locust's stats see it too."""
        name = f"{self.kind} stream" if stream else self.kind
        timeout_s = self.runtime.settings.client.timeout_s
        started = time.perf_counter()
        with self.client.post(
            CHAT_PATH,
            data=body,  # type: ignore[arg-type]  # geventhttpclient sends bytes as they are
            headers=dict(headers),
            name=name,
            catch_response=True,
            stream=stream,
        ) as resp:
            reply = _read(resp, stream, started, timeout_s)
            if stream:  # locust stops its clock at the headers; report the whole stream
                resp.request_meta["response_time"] = reply.elapsed_s * 1000
            if reply.outcome == "ok":
                resp.success()
            else:
                resp.failure(f"{reply.outcome}: {reply.error_type}")
        return reply


class ExtractUser(LLMUser):
    """Pulls order fields out of an email as JSON (one request per session)."""

    kind = "extract"


class ClassifyUser(LLMUser):
    """Labels a support ticket (one request per session)."""

    kind = "classify"


class ChatUser(LLMUser):
    """Holds a short conversation (1-3 turns with think time)."""

    kind = "chat"


class AgentUser(LLMUser):
    """Runs a tool loop until a final answer or the agent step budget."""

    kind = "agent"


class RagUser(LLMUser):
    """Answers from retrieved context chunks (one request per session)."""

    kind = "rag"


ALL_USER_CLASSES: tuple[type[LLMUser], ...] = (
    ExtractUser,
    ClassifyUser,
    ChatUser,
    AgentUser,
    RagUser,
)


def apply_mix(settings: WorkloadSettings) -> list[type[LLMUser]]:
    """Set every user class's ``weight`` from the mix; the classes with weight > 0.

    Example::

        Environment(user_classes=apply_mix(settings), host=url)
    """
    weights = user_weights(settings.mix)
    for cls in ALL_USER_CLASSES:
        cls.weight = weights.get(cls.kind, 0)
    return [cls for cls in ALL_USER_CLASSES if cls.weight > 0]
