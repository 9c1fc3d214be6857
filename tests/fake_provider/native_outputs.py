"""Digests of everything the planning core outputs for a fixed, varied workload.

Run with ``python native_outputs.py OUT.json`` under the build to check (the compiled wheel's
directory or the source tree first on ``sys.path``); it writes per-section sha256 digests of
statuses, headers, bodies, stream chunks and timings, truth records, the truth log's bytes and
the rendered metrics, plus which ``fake_provider`` modules were compiled. The test comparing
the compiled build with the sources runs it once under each.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from fake_provider.config import Fault, ProviderConfig, RateLimits, default_models
from fake_provider.errors import ApiError
from fake_provider.plan import error_plan, request_context
from fake_provider.plan_chat import plan_chat
from fake_provider.provider_metrics import ProviderMetrics
from fake_provider.records import ResponsePlan
from fake_provider.request import parse_chat_request, parse_json_object
from fake_provider.server import build_router  # noqa: F401 - loaded to check it imports compiled
from fake_provider.state import Mitigation, ProviderState
from fake_provider.tasks import execute_tool, generate_task, read_conversation
from fake_provider.truthlog import TruthLog

_KINDS = ("extract", "classify", "chat", "agent", "rag")
_MODES = ("schema", "instruction", "none")
_SHIFTS = (None, None, "language", "topic", "length")
_DAY = 86_400.0


def _faults() -> tuple[Fault, ...]:
    return (
        Fault("swap", "silent_model_swap", 0.0, _DAY, model="gpt-4o", behaviour="subtly_wrong"),
        Fault("prose", "silent_model_swap", 0.0, _DAY, fraction=0.3, model="gpt-4.1-mini",
              behaviour="prose_wrapped_json", announce=True),
        Fault("burst", "token_burst", 0.0, _DAY, model="gpt-3.5-turbo", output_multiplier=3.0),
        Fault("loop", "agent_loop", 0.0, _DAY, fraction=0.5, pattern="cycle"),
        Fault("slow", "latency", 0.0, _DAY, ttft_multiplier=3.0, extra_ms=40.0),
        Fault("errors", "server_error", 0.0, _DAY, fraction=0.1, status=503),
        Fault("cut", "server_error", 0.0, _DAY, fraction=0.1, mode="stream_cut"),
        Fault("bad", "server_error", 0.0, _DAY, fraction=0.05, mode="malformed"),
        Fault("hang", "server_error", 0.0, _DAY, fraction=0.03, mode="hang", seconds=5.0),
        Fault("quota", "rate_limit", 0.0, _DAY, api_key="sk-poor", mode="insufficient_quota"),
    )  # fmt: skip


def _bodies(n: int) -> list[dict[str, Any]]:
    """Every task kind and format, streamed or not, cut short, at odd temperatures, and agent
    conversations carried on with tool results (right, wrong and broken)."""
    rng = random.Random(11)
    models = [m.name for m in default_models() if m.kind == "chat"] + ["no-such-model"]
    out: list[dict[str, Any]] = []
    for i in range(n):
        shift = _SHIFTS[i % len(_SHIFTS)]
        task = generate_task(
            _KINDS[i % len(_KINDS)], rng, json_mode=_MODES[(i // 5) % 3], input_shift=shift,
            shift_strength=0.7 if shift else 0.0, drop_answer_chunk=i % 10 == 0,
        )  # fmt: skip
        body: dict[str, Any] = {"model": models[i % len(models)], "messages": list(task.messages)}
        if task.tools:
            body["tools"] = list(task.tools)
        if task.response_format is not None:
            body["response_format"] = task.response_format
        if i % 3 == 0:
            body["stream"] = True
            body["stream_options"] = {"include_usage": i % 2 == 0}
        if i % 7 == 0:
            body["max_tokens"] = rng.choice([1, 5, 20])
        if i % 4 == 1:
            body["temperature"] = round(rng.uniform(0.0, 2.0), 2)
        if i % 9 == 2:
            body["stop"] = ["."]
        out.append(body)
        if task.expected_call is not None:
            name, args = task.expected_call
            arguments = orjson.dumps(args).decode()
            call = {
                "id": f"call_{i:024d}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            result = execute_tool(task, name, call["function"]["arguments"])
            if i % 4 == 3:
                result = "not json {"
            messages = [
                *task.messages,
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": result},
            ]
            out.append({**body, "messages": messages})
    return out


class _Digests:
    def __init__(self) -> None:
        self.parts: dict[str, Any] = {}

    def feed(self, section: str, data: bytes) -> None:
        self.parts.setdefault(section, hashlib.sha256()).update(data + b"\0")

    def plan(self, section: str, plan: ResponsePlan) -> None:
        head = [plan.status, plan.headers, plan.streaming, plan.immediate]
        self.feed(section, orjson.dumps(head))
        if plan.raw_body is not None:
            self.feed(section, b"raw:" + plan.raw_body)
        elif plan.body is not None:
            self.feed(section, orjson.dumps(plan.body))
        if plan.chunks is not None:
            self.feed(section, orjson.dumps(list(plan.chunks)))
        timings = [plan.chunk_offsets_s, plan.delay_s, plan.hang_s, plan.cut_after]
        self.feed(section, orjson.dumps([*timings, plan.malformed_at]))
        self.feed(section, orjson.dumps(plan.truth.to_json()))


def main() -> int:
    """Write the digests (and the compiled modules) to the JSON file named on the command line."""
    out = Path(sys.argv[1])
    config = ProviderConfig(
        seed=5, models=default_models(), rate_limits=RateLimits(tpm=150_000, rpm=240),
        faults=_faults(),
    )  # fmt: skip
    state = ProviderState.create(config, t0_unix=1_700_000_000.0)
    digests = _Digests()
    seen: dict[str, int] = {}
    metrics = ProviderMetrics(state)
    keys = ("sk-1", "sk-2", "sk-1", "sk-2", "sk-1", "sk-2", "sk-1", "sk-2", "sk-1", "sk-poor")
    with tempfile.TemporaryDirectory() as tmp:
        truth = TruthLog(Path(tmp) / "truth.jsonl")
        for i, body in enumerate(_bodies(300)):
            if i == 150:  # a mitigation halfway: pin the swapped model back
                pin = Mitigation("pin_model", "gpt-4o", behaviour="baseline", at_s=3.0)
                state.mitigations["gpt-4o"] = pin
            key = keys[i % len(keys)]
            headers = {"authorization": f"Bearer {key}", "x-gameday-session": f"s{i % 4}"}
            ctx = request_context(headers.get, state, i * 0.02)
            try:
                raw = orjson.dumps(body)
                plan = plan_chat(parse_chat_request(parse_json_object(raw)), ctx, state)
            except ApiError as err:
                plan = error_plan(err, ctx, endpoint="chat")
            digests.plan("plans", plan)
            outcome = f"{plan.status} {plan.truth.error_code or plan.truth.finish_reason}"
            seen[outcome] = seen.get(outcome, 0) + 1
            reading = read_conversation(body["messages"], body.get("tools", ()))
            digests.feed("reading", repr(reading).encode())
            if plan.streaming:
                metrics.started(plan.truth.model)
                metrics.finished(plan.truth.abandoned() if i % 5 == 0 else plan.truth)
            else:
                metrics.answered(plan)
            truth.append(plan.truth)
        truth.close()
        digests.feed("truth_log", (Path(tmp) / "truth.jsonl").read_bytes())
    digests.feed("metrics", metrics.registry.render().encode())
    compiled = sorted(
        name for name, module in sys.modules.items()
        if name.startswith("fake_provider.")
        and isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader)
    )  # fmt: skip
    result = {name: h.hexdigest() for name, h in digests.parts.items()}
    report = {"digests": result, "compiled": compiled, "outcomes": seen}
    out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
