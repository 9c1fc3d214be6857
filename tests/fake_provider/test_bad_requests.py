"""Bad requests never crash the provider and never get a 5xx: OpenAI-shaped 4xx instead."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_provider.config import ProviderConfig, default_models
from tests.support import fast_config, running_provider


def post(
    url: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    path: str = "/v1/chat/completions",
    method: str = "POST",
) -> tuple[int, dict[str, Any]]:
    """Send raw bytes; return status and decoded JSON body."""
    req = urllib.request.Request(
        url + path,
        data=body if method != "GET" else None,
        method=method,
        headers={
            "Authorization": "Bearer sk-test-1",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def _chat(**fields: Any) -> bytes:
    base = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    "body,param",
    [
        (b"{not json", None),
        (b"[1, 2]", None),
        (_chat(model=...), "model"),
        (_chat(messages=...), "messages"),
        (_chat(messages="hi"), "messages"),
        (_chat(messages=[]), "messages"),
        (_chat(messages=[{"role": "robot", "content": "x"}]), "messages[0].role"),
        (_chat(messages=[{"role": "user", "content": 5}]), "messages[0].content"),
        (_chat(messages=[{"role": "tool", "content": "x"}]), "messages[0].tool_call_id"),
        (_chat(temperature="hot"), "temperature"),
        (_chat(temperature=3), "temperature"),
        (_chat(max_tokens=0), "max_tokens"),
        (_chat(max_tokens=1.5), "max_tokens"),
        (_chat(stream="yes"), "stream"),
        (_chat(stream_options={"include_usage": True}), "stream_options"),
        (_chat(stop=["a", "b", "c", "d", "e"]), "stop"),
        (_chat(tools=[{"type": "function"}]), "tools[0]"),
        (_chat(tool_choice="sometimes"), "tool_choice"),
        (_chat(response_format={"type": "xml"}), "response_format.type"),
        (_chat(response_format={"type": "json_schema"}), "response_format.json_schema.name"),
        (_chat(seed="seven"), "seed"),
        (_chat(n=3), "n"),
    ],
)
def test_malformed_request_is_400_naming_the_param(body: bytes, param: str | None) -> None:
    with running_provider(fast_config()) as url:
        status, payload = post(url, body)
    assert status == 400
    assert payload["error"]["param"] == param
    assert payload["error"]["type"] == "invalid_request_error"
    assert payload["error"]["message"]


def test_body_over_the_limit_is_413() -> None:
    cfg = ProviderConfig(models=default_models(), max_body_bytes=1024, latency_scale=0.0)
    with running_provider(cfg) as url:
        status, payload = post(url, _chat(messages=[{"role": "user", "content": "x" * 4000}]))
    assert status == 413
    assert payload["error"]["code"] == "request_too_large"


def test_unknown_path_and_wrong_method_answer_json_404_405() -> None:
    with running_provider(fast_config()) as url:
        assert post(url, b"{}", path="/v1/nothing")[0] == 404
        status, payload = post(url, b"", path="/v1/chat/completions", method="GET")
    assert status == 405 and payload["error"]["code"] == "method_not_allowed"


def test_missing_api_key_is_401() -> None:
    with running_provider(fast_config()) as url:
        status, payload = post(url, _chat(), headers={"Authorization": ""})
    assert status == 401 and payload["error"]["code"] == "invalid_api_key"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_chat_like = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["gpt-4o-mini", "nope"]) | _json_values,
        "messages": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "role": st.sampled_from(["user", "system", "assistant", "tool", "x"]),
                    "content": _json_values,
                    "tool_calls": _json_values,
                    "tool_call_id": _json_values,
                },
            )
            | _json_values,
            max_size=3,
        ),
        "tools": _json_values,
        "tool_choice": _json_values,
        "response_format": _json_values,
        "max_tokens": _json_values,
        "temperature": _json_values,
        "stop": _json_values,
        "stream": st.booleans() | _json_values,
        "stream_options": _json_values,
        "seed": _json_values,
        "n": _json_values,
    },
)


def test_arbitrary_json_never_gets_a_5xx() -> None:
    with running_provider(fast_config(latency_scale=0.0)) as url:

        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            body=_chat_like | _json_values,
            path=st.sampled_from(["/v1/chat/completions", "/v1/embeddings"]),
        )
        def check(body: Any, path: str) -> None:
            status, _ = _status_only(url, json.dumps(body).encode(), path)
            assert status < 500, body

        check()


def _status_only(url: str, body: bytes, path: str) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url + path, data=body, method="POST", headers={"Authorization": "Bearer sk-1"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()
