"""Admin API, truth log, /metrics and clean shutdown of a running provider."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from fake_provider.config import Fault
from tests.fake_provider.test_bad_requests import post
from tests.support import fast_config, running_provider, sdk

MSG = [{"role": "user", "content": "hello"}]


def _get(url: str, path: str, token: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url + path)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode()


def _admin(url: str, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    return post(
        url,
        json.dumps(body).encode() if body is not None else b"",
        headers={"Authorization": f"Bearer {token}"},
        path=path,
        method=method,
    )


def test_admin_timeline_edits_change_answers_and_truth(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    with running_provider(fast_config(), truth_path=truth, admin_token="s3cret") as url:
        client = sdk(url)
        assert _get(url, "/admin/state")[0] == 401
        client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        fault = Fault(id="boom", kind="server_error", start_s=0, duration_s=600, status=503)
        status, state = _admin(url, "POST", "/admin/faults", fault.to_json(), "s3cret")
        assert status == 201 and state["active"] == ["boom"]
        try:
            client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
            raise AssertionError("expected a 503")
        except Exception as exc:
            assert getattr(exc, "status_code", None) == 503
        assert _admin(url, "DELETE", "/admin/faults/boom", token="s3cret")[0] == 200
        assert _admin(url, "DELETE", "/admin/faults/boom", token="s3cret")[0] == 404
        bad = _admin(url, "PUT", "/admin/faults", [{"id": "x", "kind": "nope"}], "s3cret")
        assert bad[0] == 400
        client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    lines = [json.loads(line) for line in truth.read_text().splitlines()]
    assert [r["status"] for r in lines] == [200, 503, 200]
    assert lines[1]["fault_ids"] == ["boom"] and lines[0]["fault_ids"] == []
    assert all(r["schema_version"] == 1 and r["api_key"] == "sk-test-1" for r in lines)
    assert lines[0]["input_tokens"] > 0 and lines[0]["cost_usd"] > 0


def test_pin_model_mitigation_undoes_a_silent_swap() -> None:
    swap = Fault(
        id="swap", kind="silent_model_swap", start_s=0, duration_s=600, behaviour="refusing"
    )
    with running_provider(fast_config(faults=(swap,))) as url:
        status, _ = _admin(
            url, "POST", "/admin/mitigations", {"action": "pin_model", "model": "gpt-4o-mini"}
        )
        assert status == 201
        _, state = _admin(url, "GET", "/admin/state")
        assert state["mitigations"][0]["kind"] == "pin_model"
        client = sdk(url)
        texts = [
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{i}"}]
            )
            .choices[0]
            .message.content
            for i in range(10)
        ]
    assert not any(t and t.startswith("I'm sorry") for t in texts)


def test_fallback_mitigation_routes_to_another_model() -> None:
    with running_provider(fast_config()) as url:
        _admin(
            url,
            "POST",
            "/admin/mitigations",
            {"action": "fallback_model", "model": "gpt-4o-mini", "to": "gpt-4o"},
        )
        resp = sdk(url).chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert resp.model == "gpt-4o"


def test_metrics_expose_vllm_series_and_active_faults() -> None:
    fault = Fault(id="slow-1", kind="latency", start_s=0, duration_s=600, extra_ms=10)
    with running_provider(fast_config(faults=(fault,))) as url:
        sdk(url).chat.completions.create(model="gpt-4o-mini", messages=MSG)
        status, text = _get(url, "/metrics")
    assert status == 200
    for name in (
        "vllm:num_requests_running",
        "vllm:prompt_tokens_total",
        "vllm:generation_tokens_total",
        "vllm:time_to_first_token_seconds_bucket",
        "vllm:inter_token_latency_seconds_bucket",
        "vllm:e2e_request_latency_seconds_sum",
    ):
        assert name in text
    assert 'gameday_provider_faults_active{fault="slow-1",kind="latency"} 1' in text
    assert 'gameday_provider_responses_total{model="gpt-4o-mini",status="200"} 1' in text


def test_client_disconnect_mid_stream_is_recorded_and_leaks_nothing(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    with running_provider(fast_config(latency_scale=1.0), truth_path=truth) as url:
        host, port = url.removeprefix("http://").split(":")
        body = json.dumps(
            {
                "model": "gpt-4o-mini",
                "stream": True,
                "messages": [
                    {"role": "user", "content": "Write a long description of the service."}
                ],
            }
        ).encode()
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer sk-1\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            _, text = _get(url, "/metrics")
            if 'vllm:num_requests_running{model_name="gpt-4o-mini"} 0' in text:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("stream task still running after the client left")
    records = [json.loads(line) for line in truth.read_text().splitlines()]
    assert records[-1]["status"] == 499 and records[-1]["error_code"] == "client_closed"


def test_cli_provider_flushes_truth_on_sigterm(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "provider",
            "--port",
            "0",
            "--truth",
            str(truth),
            "--latency-scale",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    with proc:
        _serve_five_then_stop(proc)
    assert len(truth.read_text().splitlines()) == 5


def _serve_five_then_stop(proc: subprocess.Popen[str]) -> None:
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].split()[0]
        client = sdk(url)
        for i in range(5):
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": f"q{i}"}]
            )
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_cli_refuses_non_loopback_host_without_admin_token() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "provider", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "--admin-token" in proc.stderr
