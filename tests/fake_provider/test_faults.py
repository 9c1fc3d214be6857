"""Each provider-side fault class changes what the official SDK sees, as DESIGN.md says."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import openai
import pytest

from fake_provider.config import Fault, RateLimits
from fake_provider.tasks import generate_task, grade
from tests.support import fast_config, sdk

MODEL = "gpt-4o-mini"


def _fault(kind: str, **kw: object) -> Fault:
    return Fault(id=f"{kind}-1", kind=kind, start_s=0.0, duration_s=3600.0, **kw)  # type: ignore[arg-type]


def _extract(seed: int):
    return generate_task("extract", random.Random(seed), json_mode="instruction")


def _format_ok_share(client: openai.OpenAI, n: int = 20) -> float:
    ok = 0
    for seed in range(n):
        task = _extract(seed)
        resp = client.chat.completions.create(model=MODEL, messages=list(task.messages))
        ok += grade(task, resp.choices[0].message.content).format_ok
    return ok / n


def test_silent_swap_breaks_format_but_keeps_name_and_fingerprint(provider) -> None:
    clean = sdk(provider())
    swapped = sdk(
        provider(fast_config(faults=(_fault("silent_model_swap", behaviour="prose_wrapped_json"),)))
    )
    msg = [{"role": "user", "content": "hi"}]
    a = clean.chat.completions.create(model=MODEL, messages=msg)
    b = swapped.chat.completions.create(model=MODEL, messages=msg)
    assert (a.model, a.system_fingerprint) == (b.model, b.system_fingerprint)
    assert _format_ok_share(clean) >= 0.9
    assert _format_ok_share(swapped) <= 0.2


def test_announced_swap_changes_fingerprint(provider) -> None:
    client = sdk(
        provider(
            fast_config(faults=(_fault("silent_model_swap", behaviour="verbose", announce=True),))
        )
    )
    resp = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert resp.system_fingerprint != "fp_3b9e41a0c2"
    assert resp.model != MODEL


def test_quota_cut_gives_429_with_true_wait_and_sdk_retries_honour_it(provider) -> None:
    cfg = fast_config(
        rate_limits=RateLimits(tpm=1_000_000, rpm=1000), faults=(_fault("rate_limit", rpm=60),)
    )
    url = provider(cfg)
    client = sdk(url)
    msg = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.RateLimitError) as info:
        for _ in range(80):  # 60 fit in the bucket, plus what refills meanwhile
            client.chat.completions.create(model=MODEL, messages=msg, max_tokens=10)
    err = info.value
    assert err.code == "rate_limit_exceeded"
    headers = err.response.headers
    wait_ms = int(headers["retry-after-ms"])
    assert 100 <= wait_ms <= 1100  # one request refills in 1 s at 60 RPM
    assert headers["x-ratelimit-limit-requests"] == "60"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    retrying = sdk(url, max_retries=2)
    started = time.monotonic()
    resp = retrying.chat.completions.create(model=MODEL, messages=msg, max_tokens=10)
    assert resp.choices[0].message.content
    assert time.monotonic() - started >= 0.1


def test_token_limit_counts_max_tokens_at_admission(provider) -> None:
    client = sdk(provider(fast_config(rate_limits=RateLimits(tpm=5000, rpm=1000))))
    msg = [{"role": "user", "content": "hi"}]
    client.chat.completions.create(model=MODEL, messages=msg, max_tokens=4000)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=msg, max_tokens=4000)
    assert info.value.body["type"] == "tokens"  # type: ignore[index]
    assert "TPM" in info.value.message


def test_storm_429s_about_the_configured_fraction(provider) -> None:
    client = sdk(provider(fast_config(faults=(_fault("rate_limit", mode="storm", fraction=0.5),))))
    refused = 0
    for i in range(40):
        try:
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": f"q{i}"}]
            )
        except openai.RateLimitError as err:
            assert float(err.response.headers["retry-after-ms"]) > 0
            refused += 1
    assert 10 <= refused <= 30


def test_insufficient_quota_is_429_with_its_own_code(provider) -> None:
    client = sdk(provider(fast_config(faults=(_fault("rate_limit", mode="insufficient_quota"),))))
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert info.value.code == "insufficient_quota"


def test_token_burst_runs_outputs_into_max_tokens(provider) -> None:
    msg = [{"role": "user", "content": "Summarise the quarterly update."}]
    clean = sdk(provider()).chat.completions.create(model=MODEL, messages=msg, max_tokens=400)
    burst = sdk(provider(fast_config(faults=(_fault("token_burst", output_multiplier=20.0),))))
    resp = burst.chat.completions.create(model=MODEL, messages=msg, max_tokens=400)
    assert clean.choices[0].finish_reason == "stop"
    assert resp.choices[0].finish_reason == "length"
    assert resp.usage.completion_tokens == 400 > 3 * clean.usage.completion_tokens


@pytest.mark.parametrize("pattern", ["repeat", "cycle"])
def test_agent_loop_keeps_calling_tools_after_results(provider, pattern: str) -> None:
    client = sdk(provider(fast_config(faults=(_fault("agent_loop", pattern=pattern),))))
    task = generate_task("agent", random.Random(3))
    messages = list(task.messages)
    names = []
    for _ in range(5):
        resp = client.chat.completions.create(
            model=MODEL, messages=messages, tools=list(task.tools)
        )
        choice = resp.choices[0]
        assert choice.finish_reason == "tool_calls"
        call = choice.message.tool_calls[0]
        names.append((call.function.name, call.function.arguments))
        messages.append(choice.message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"ok": true}'})
    if pattern == "repeat":
        assert len(set(names)) == 1
    else:
        assert len({n for n, _ in names}) == min(len(task.tools), 5) or len(task.tools) == 1


def test_latency_fault_slows_time_to_first_token(provider) -> None:
    msg = [{"role": "user", "content": "hello"}]

    def ttft(client: openai.OpenAI) -> float:
        started = time.monotonic()
        for chunk in client.chat.completions.create(model=MODEL, messages=msg, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                return time.monotonic() - started
        raise AssertionError("no content")

    clean = sdk(provider())
    slow = sdk(provider(fast_config(faults=(_fault("latency", extra_ms=6000.0),))))
    # latency_scale 0.05: 6 s of injected delay become 0.3 s.
    assert ttft(slow) - ttft(clean) >= 0.25


@pytest.mark.parametrize(
    "status,error",
    [
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
        (502, openai.APIStatusError),
    ],
)
def test_server_error_status_reaches_the_sdk(provider, status: int, error: type) -> None:
    client = sdk(provider(fast_config(faults=(_fault("server_error", status=status),))))
    with pytest.raises(error) as info:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == status


def test_hang_outlasts_the_client_timeout(provider) -> None:
    client = sdk(
        provider(fast_config(faults=(_fault("server_error", mode="hang", seconds=30.0),))),
        timeout=0.5,
    )
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])


def test_stream_cut_ends_the_stream_early(provider) -> None:
    client = sdk(provider(fast_config(faults=(_fault("server_error", mode="stream_cut"),))))
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    got_done = False
    with pytest.raises(Exception):  # noqa: B017 - httpx2 raises a protocol error
        for chunk in client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Describe the system."}],
            stream=True,
        ):
            got_done = got_done or bool(chunk.choices and chunk.choices[0].finish_reason)
    assert not got_done


def test_malformed_chunk_breaks_the_stream(provider) -> None:
    client = sdk(provider(fast_config(faults=(_fault("server_error", mode="malformed"),))))
    with pytest.raises(json.JSONDecodeError):
        for _ in client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Describe the system."}],
            stream=True,
        ):
            pass


def test_fraction_picks_the_same_requests_whatever_the_order(provider, tmp_path: Path) -> None:
    """A 50 % fault hits a request by what it is, not when it arrives; a future fault never."""
    faults = (
        Fault(
            id="half", kind="server_error", start_s=0.0, duration_s=3600.0, status=500, fraction=0.5
        ),
        Fault(id="late", kind="server_error", start_s=3600.0, duration_s=60.0, status=503),
    )
    prompts = [f"question {i}" for i in range(24)]

    def failed(order: list[str], truth: Path) -> set[str]:
        client = sdk(provider(fast_config(faults=faults), truth_path=truth))
        out = set()
        for text in order:
            try:
                client.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": text}]
                )
            except openai.InternalServerError:
                out.add(text)
        return out

    first = failed(prompts, tmp_path / "a.jsonl")
    second = failed(list(reversed(prompts)), tmp_path / "b.jsonl")
    assert first == second
    assert 4 <= len(first) <= 20
    deadline = time.monotonic() + 10  # the truth log flushes every second
    while len((tmp_path / "a.jsonl").read_text().splitlines()) < len(prompts):
        assert time.monotonic() < deadline, "truth log never flushed"
        time.sleep(0.1)
    truth = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert len(truth) == len(prompts)
    assert all((r["status"] == 500) == (r["fault_ids"] == ["half"]) for r in truth)
