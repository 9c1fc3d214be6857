"""The official openai SDK as a client of a running fake provider."""

from __future__ import annotations

import base64
import json
import random
import struct

import openai
import pytest
from pydantic import BaseModel

from fake_provider.tasks import execute_tool, generate_task, grade
from tests.support import sdk


def _task(kind: str, seed: int = 1, **kwargs: object):
    return generate_task(kind, random.Random(seed), **kwargs)  # type: ignore[arg-type]


def test_chat_completion_has_openai_shape(provider) -> None:
    client = sdk(provider())
    resp = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Tell me about harbors."}]
    )
    assert resp.id.startswith("chatcmpl-")
    assert resp.object == "chat.completion"
    assert resp.model == "gpt-4o-mini"
    assert resp.system_fingerprint and resp.system_fingerprint.startswith("fp_")
    choice = resp.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant" and choice.message.content
    assert resp.usage is not None
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert raw.headers["x-request-id"].startswith("req_")
    assert int(raw.headers["openai-processing-ms"]) >= 1
    assert int(raw.headers["x-ratelimit-remaining-requests"]) < int(
        raw.headers["x-ratelimit-limit-requests"]
    )


def test_same_request_same_answer_and_stream_reassembles_it(provider) -> None:
    client = sdk(provider())
    task = _task("extract", json_mode="instruction")
    kwargs = {"model": "gpt-4o-mini", "messages": list(task.messages), "seed": 3}
    first = client.chat.completions.create(**kwargs)
    second = client.chat.completions.create(**kwargs)
    assert first.choices[0].message.content == second.choices[0].message.content
    stream = client.chat.completions.create(
        **kwargs, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == first.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == first.usage.completion_tokens


def test_json_instruction_gets_graded_json_and_prose_prompt_gets_prose(provider) -> None:
    client = sdk(provider())
    graded = []
    for seed in range(20):
        task = _task("extract", seed, json_mode="instruction")
        resp = client.chat.completions.create(model="gpt-4o-mini", messages=list(task.messages))
        graded.append(grade(task, resp.choices[0].message.content))
    assert sum(g.format_ok for g in graded) >= 18
    assert sum(bool(g.correct) for g in graded) >= 15
    task = _task("extract", 1, json_mode="none")
    resp = client.chat.completions.create(model="gpt-4o-mini", messages=list(task.messages))
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.choices[0].message.content or "")


class Ticket(BaseModel):
    label: str


def test_structured_output_parses_into_pydantic_model(provider) -> None:
    client = sdk(provider())
    task = _task("classify", 4, json_mode="none")
    parsed = client.chat.completions.parse(
        model="gpt-4o-mini", messages=list(task.messages), response_format=Ticket
    )
    ticket = parsed.choices[0].message.parsed
    assert isinstance(ticket, Ticket)
    assert ticket.label


def test_tools_round_trip_ends_in_an_answer(provider) -> None:
    client = sdk(provider())
    task = _task("agent", 5)
    messages = list(task.messages)
    resp = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=list(task.tools)
    )
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.id.startswith("call_") and call.type == "function"
    json.loads(call.function.arguments)  # a JSON string, as real tool calls carry
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append(
        {
            "role": "tool",
            "tool_call_id": call.id,
            "content": execute_tool(task, call.function.name, call.function.arguments),
        }
    )
    final = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=list(task.tools)
    )
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content


def test_streamed_tool_call_reassembles_arguments(provider) -> None:
    client = sdk(provider())
    task = _task("agent", 6)
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=list(task.messages), tools=list(task.tools), stream=True
    )
    args, name = "", None
    for chunk in stream:
        for tc in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            name = name or (tc.function.name if tc.function else None)
            args += (tc.function.arguments or "") if tc.function else ""
    assert name and isinstance(json.loads(args), dict)


def test_embeddings_are_deterministic_unit_vectors(provider) -> None:
    client = sdk(provider())
    first = client.embeddings.create(model="text-embedding-3-small", input=["refund my order"])
    again = client.embeddings.create(
        model="text-embedding-3-small", input="refund my order", encoding_format="float"
    )
    vec = first.data[0].embedding
    assert vec == pytest.approx(again.data[0].embedding, abs=1e-6)
    assert sum(v * v for v in vec) == pytest.approx(1.0, abs=1e-5)
    other = (
        client.embeddings.create(
            model="text-embedding-3-small", input="refund the order", encoding_format="float"
        )
        .data[0]
        .embedding
    )
    far = (
        client.embeddings.create(
            model="text-embedding-3-small", input="quantum chromodynamics", encoding_format="float"
        )
        .data[0]
        .embedding
    )
    cos = lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    assert cos(vec, other) > cos(vec, far)
    raw = client.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input="x", encoding_format="base64"
    )
    b64 = json.loads(raw.http_response.text)["data"][0]["embedding"]
    assert len(struct.unpack(f"<{len(base64.b64decode(b64)) // 4}f", base64.b64decode(b64))) == 256


def test_models_list_names_the_served_models(provider) -> None:
    ids = {m.id for m in sdk(provider()).models.list()}
    assert {"gpt-4o-mini", "gpt-4o", "text-embedding-3-small"} <= ids


def test_unknown_model_is_404_model_not_found(provider) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        sdk(provider()).chat.completions.create(
            model="gpt-9", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.code == "model_not_found"


def test_low_max_tokens_truncates_with_finish_reason_length(provider) -> None:
    client = sdk(provider())
    task = _task("extract", 2, json_mode="instruction")
    resp = client.chat.completions.create(
        model="gpt-4o-mini", messages=list(task.messages), max_tokens=5
    )
    assert resp.choices[0].finish_reason == "length"
    assert resp.usage.completion_tokens == 5
    assert not grade(task, resp.choices[0].message.content).format_ok


def test_stop_sequence_cuts_the_answer(provider) -> None:
    client = sdk(provider())
    msgs = [{"role": "user", "content": "Describe the service in detail."}]
    full = client.chat.completions.create(model="gpt-4o-mini", messages=msgs)
    text = full.choices[0].message.content or ""
    stop = text.split()[3]
    cut = client.chat.completions.create(model="gpt-4o-mini", messages=msgs, stop=[stop])
    assert cut.choices[0].message.content == text[: text.find(stop)]
    assert cut.choices[0].finish_reason == "stop"
