"""One user session as plain code: task, client faults, requests with retries, telemetry.

The locust users (``users.py``) only supply a transport (one HTTP attempt) and a sleep;
everything a session decides lives here, so it runs the same under locust, in tests with
``urllib``, or against a virtual clock.

Sessions by kind: extract, classify and rag send one request; chat holds 1-3 turns with
think time between them; agent runs a tool loop until a final answer or
``agent_max_steps`` requests (that record gets ``budget_action="agent_max_steps"``).
Client faults are decided once, when the session starts. Steps count from 1.

Budget guards (``simulator/budgets/guards.py``) act here: before every request the spend
breaker and the session's token budget may shed it (a ``budget_blocked`` record, and the
session ends); ``max_tokens`` is capped; a gateway's own budget refusal ends the session
too. Runbook mitigations in ``runtime.controls`` apply from the next request on.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from fake_provider.task_types import Task, TaskKind
from fake_provider.tasks import execute_tool, generate_task
from fake_provider.timeline import stable_hash64
from simulator.budgets.guards import CAP, CUT, guard_action
from simulator.records import ActionRecord, TelemetryRecord
from simulator.workloads.client_faults import ClientConditions, client_conditions
from simulator.workloads.exchange import (
    build_telemetry,
    encode_body,
    request_body,
    request_headers,
    retry_delay_s,
)
from simulator.workloads.replies import Reply, transport_failure
from simulator.workloads.settings import WorkloadRuntime

#: Sends one attempt: (JSON body, headers, stream) -> the reply; never raises for HTTP or
#: transport failures (they are outcomes).
Transport = Callable[[bytes, Mapping[str, str], bool], Reply]
Sleep = Callable[[float], None]
Clock = Callable[[], float]

CHAT_TURNS_MAX = 3
AGENT_MAX_STEPS_ACTION = "agent_max_steps"
KILL_LOOPS_ACTION = "kill_looping_sessions"
SESSION_TOKENS_ACTION = "session_tokens"
MAX_TOKENS_ACTION = "request_max_tokens"
#: ``budget_action`` of a request a gateway refused for budget (LiteLLM ``budget_exceeded``).
GATEWAY_BUDGET_ACTION = "gateway_budget"


def session_rng(
    seed: int, kind: str, node_index: int, user_index: int, session_no: int
) -> random.Random:
    """The random generator of one session: same inputs, same session, in any process."""
    return random.Random(stable_hash64(seed, kind, node_index, user_index, session_no))


def session_id_of(kind: str, node_index: int, user_index: int, session_no: int) -> str:
    """``<kind>-<node>.<user>-<session>``, unique across a run's workers."""
    return f"{kind}-{node_index}.{user_index}-{session_no}"


@dataclass(slots=True)
class _Session:
    runtime: WorkloadRuntime
    kind: str
    session_id: str
    api_key: str
    rng: random.Random
    conditions: ClientConditions
    transport: Transport
    sleep: Sleep
    clock: Clock
    jitter: random.Random
    tokens_used: int = 0


@dataclass(frozen=True, slots=True)
class _Sent:
    """A logical request after its retries."""

    t: float
    reply: Reply
    offset_s: float
    retries: int
    stream: bool
    #: Whether the ``request_max_tokens`` budget lowered this request's ``max_tokens``.
    capped: bool = False


def _new_task(session: _Session) -> Task:
    conditions, settings = session.conditions, session.runtime.settings
    return generate_task(
        cast(TaskKind, session.kind),
        session.rng,
        system_prompt=conditions.system_prompt,
        json_mode=settings.json_mode,
        input_shift=conditions.input_shift,
        shift_strength=conditions.shift_strength,
        drop_answer_chunk=conditions.drop_answer_chunk,
        prompt_multiplier=conditions.prompt_multiplier,
    )


def _act(session: _Session, record: ActionRecord) -> None:
    actions = session.runtime.actions
    if actions is not None:
        actions.emit_action(record)


def _capped(session: _Session, step: int) -> tuple[ClientConditions, bool]:
    """The session's conditions with ``max_tokens`` under the budget cap and any runbook cap."""
    runtime, conditions = session.runtime, session.conditions
    requested = conditions.max_tokens or runtime.settings.max_tokens
    value, by_budget = runtime.settings.budgets.cap_max_tokens(requested)
    runbook_cap = runtime.controls.max_tokens_cap
    if runbook_cap is not None:
        value = min(value, runbook_cap)
    if value == requested:
        return conditions, False
    if by_budget:
        now_s = session.clock() - runtime.t0_unix
        _act(
            session,
            guard_action(
                now_s,
                CAP,
                MAX_TOKENS_ACTION,
                f"{session.session_id}/{step}",
                requested=requested,
                max_tokens=value,
            ),
        )
    return dataclasses.replace(conditions, max_tokens=value), by_budget


def _send(session: _Session, task: Task, messages: list[dict[str, Any]], step: int) -> _Sent:
    """Send one logical request, retrying as the client policy allows."""
    settings = session.runtime.settings
    stream = session.rng.random() < settings.stream_share
    conditions, capped = _capped(session, step)
    body = encode_body(request_body(settings, task, messages, conditions, stream=stream))
    first = session.clock()
    attempt = 0
    while True:
        offset_s = session.clock() - first
        headers = request_headers(session.api_key, session.session_id, step, attempt)
        reply = session.transport(body, headers, stream)
        delay = retry_delay_s(settings.client, reply, attempt, session.jitter)
        if delay is None:
            sent = _Sent(first - session.runtime.t0_unix, reply, offset_s, attempt, stream, capped)
            session.tokens_used += reply.input_tokens + reply.output_tokens
            return sent
        session.sleep(delay)
        attempt += 1


def _record(
    session: _Session, task: Task, sent: _Sent, step: int, budget_action: str | None = None
) -> TelemetryRecord:
    if budget_action is None:
        if sent.reply.outcome == "budget_blocked":
            budget_action = GATEWAY_BUDGET_ACTION
        elif sent.capped:
            budget_action = MAX_TOKENS_ACTION
    record = build_telemetry(
        t=sent.t,
        user_kind=session.kind,
        session_id=session.session_id,
        step=step,
        settings=session.runtime.settings,
        api_key=session.api_key,
        conditions=session.conditions,
        task=task,
        reply=sent.reply,
        offset_s=sent.offset_s,
        retries=sent.retries,
        stream=sent.stream,
        budget_action=budget_action,
    )
    session.runtime.sink.emit(record)
    if record.cost_usd > 0 and session.runtime.guard.active:
        session.runtime.guard.spend(session.api_key, record.t + record.latency_s, record.cost_usd)
    return record


def _gate(session: _Session, task: Task, step: int) -> TelemetryRecord | None:
    """A ``budget_blocked`` record when a guard sheds the next request, else None (send it)."""
    runtime = session.runtime
    limit = runtime.settings.budgets.session_tokens
    if limit is None and not runtime.guard.active:
        return None  # no guard to consult: nothing more on the task loop's path
    now_s = session.clock() - runtime.t0_unix
    budget = runtime.guard.blocked(session.api_key, now_s) if runtime.guard.active else None
    if budget is None and limit is not None and session.tokens_used >= limit:
        budget = SESSION_TOKENS_ACTION
        _act(
            session,
            guard_action(
                now_s,
                CUT,
                budget,
                session.session_id,
                step=step,
                tokens=session.tokens_used,
                limit=limit,
            ),
        )
    if budget is None:
        return None
    blocked = _Sent(
        now_s, transport_failure("budget_blocked", "budget_exceeded", 0.0), 0.0, 0, False
    )
    return _record(session, task, blocked, step, budget)


def _chat(session: _Session, task: Task) -> list[TelemetryRecord]:
    settings = session.runtime.settings
    turns = session.rng.randint(1, CHAT_TURNS_MAX)
    messages = list(task.messages)
    records = []
    for step in range(1, turns + 1):
        blocked = _gate(session, task, step)
        if blocked is not None:
            records.append(blocked)
            break
        sent = _send(session, task, messages, step)
        records.append(_record(session, task, sent, step))
        if sent.reply.outcome != "ok" or step == turns:
            break
        session.sleep(session.rng.uniform(settings.think_time_min_s, settings.think_time_max_s))
        task = _new_task(session)
        messages += [{"role": "assistant", "content": sent.reply.content or ""}, task.messages[-1]]
    return records


def _tool_messages(task: Task, reply: Reply) -> list[dict[str, Any]]:
    """The assistant's tool-call turn and one tool result per call."""
    calls = list(reply.tool_calls)
    out: list[dict[str, Any]] = [
        {"role": "assistant", "content": reply.content, "tool_calls": calls}
    ]
    for call in calls:
        function = call.get("function") or {}
        result = execute_tool(task, str(function.get("name", "")), str(function.get("arguments")))
        out.append({"role": "tool", "tool_call_id": call.get("id") or "", "content": result})
    return out


def _step_limit(session: _Session) -> tuple[int, str | None]:
    """The agent's step limit now, and the ``budget_action`` of hitting it (None for the
    harness's own safety cap, which is no guard of the team's)."""
    settings, killed = session.runtime.settings, session.runtime.controls.loop_max_steps
    if killed is not None and killed < settings.agent_max_steps:
        return killed, KILL_LOOPS_ACTION
    return settings.agent_max_steps, AGENT_MAX_STEPS_ACTION if settings.step_guard else None


def _agent(session: _Session, task: Task) -> list[TelemetryRecord]:
    messages = list(task.messages)
    records: list[TelemetryRecord] = []
    step = 0
    while True:
        step += 1
        blocked = _gate(session, task, step)
        if blocked is not None:
            records.append(blocked)
            break
        sent = _send(session, task, messages, step)
        calls = sent.reply.tool_calls if sent.reply.outcome == "ok" else ()
        limit, action = _step_limit(session)  # a runbook may lower it mid-session
        guard = bool(calls) and step >= limit
        records.append(_record(session, task, sent, step, action if guard else None))
        if guard and action == AGENT_MAX_STEPS_ACTION:
            now_s = session.clock() - session.runtime.t0_unix
            _act(session, guard_action(now_s, CUT, action, session.session_id, steps=step))
        if not calls or guard:
            break
        messages += _tool_messages(task, sent.reply)
    return records


def run_session(
    runtime: WorkloadRuntime,
    kind: str,
    user_index: int,
    session_no: int,
    transport: Transport,
    sleep: Sleep,
    clock: Clock = time.time,
) -> list[TelemetryRecord]:
    """Run one session of ``kind``; every record goes to ``runtime.sink`` and is returned.

    ``clock`` gives Unix seconds (``t`` is measured against ``runtime.t0_unix``).

    Example::

        records = run_session(runtime, "extract", 0, 0, transport=send, sleep=time.sleep)
    """
    settings = runtime.settings
    rng = session_rng(settings.seed, kind, runtime.node_index, user_index, session_no)
    api_key = rng.choice(settings.api_keys)
    t_s = clock() - runtime.t0_unix
    session = _Session(
        runtime=runtime,
        kind=kind,
        session_id=session_id_of(kind, runtime.node_index, user_index, session_no),
        api_key=api_key,
        rng=rng,
        conditions=client_conditions(
            settings, t_s, kind, rng, api_key=api_key, controls=runtime.controls
        ),
        transport=transport,
        sleep=sleep,
        clock=clock,
        jitter=random.Random(rng.getrandbits(64)),
    )
    task = _new_task(session)
    keep = runtime.controls.throttle_at(t_s)
    if keep < 1.0:  # a runbook throttled new sessions: wait as a client-side limiter would
        mean_think_s = (settings.think_time_min_s + settings.think_time_max_s) / 2
        sleep(max(0.5, mean_think_s) * (1 / keep - 1))
    if kind == "agent":
        return _agent(session, task)
    if kind == "chat":
        return _chat(session, task)
    blocked = _gate(session, task, 1)
    if blocked is not None:
        return [blocked]
    sent = _send(session, task, list(task.messages), 1)
    return [_record(session, task, sent, 1)]
