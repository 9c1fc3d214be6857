"""The mypyc-compiled wheel (setup.py) answers exactly as the pure-Python sources do."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks._harness import python_server, server_process
from benchmarks._native import REPO, native_site
from tests.support import sdk

_OUTPUTS = Path(__file__).with_name("native_outputs.py")


def _compiled_modules() -> set[str]:
    tree = ast.parse((REPO / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED":
            return {f"fake_provider.{name}" for name in ast.literal_eval(node.value)}
    raise AssertionError("setup.py lists no COMPILED modules")


@pytest.fixture(scope="module")
def site() -> Path:
    """The compiled install of this checkout (built once per source digest, about a minute)."""
    return native_site(REPO)


def _outputs(where: Path, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / f"{where.name}.json"
    env = {**os.environ, "PYTHONPATH": str(where)}
    done = subprocess.run(
        [sys.executable, str(_OUTPUTS), str(out)],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(out.read_text())
    return result


@pytest.mark.slow
def test_compiled_build_outputs_equal_the_sources(site: Path, tmp_path: Path) -> None:
    pure = _outputs(REPO, tmp_path)
    native = _outputs(site, tmp_path)
    assert pure["compiled"] == []
    assert set(native["compiled"]) == _compiled_modules()  # type: ignore[arg-type]
    outcomes = pure["outcomes"]
    assert isinstance(outcomes, dict)
    for seen in ("200 stop", "200 length", "200 tool_calls", "404 model_not_found",
                 "429 rate_limit_exceeded", "429 insufficient_quota", "503 server_error",
                 "504 hang"):  # fmt: skip
        assert outcomes.get(seen, 0) > 0, seen
    assert native["digests"] == pure["digests"]


@pytest.fixture(scope="module")
def servers(site: Path) -> Iterator[tuple[str, str]]:
    """(pure, compiled) providers from the same default world, as ``gameday provider``."""
    argv = python_server("-m", "simulator.cli", "provider", "--port", "0")
    with (
        server_process(argv, "pure", tree=REPO) as pure,
        server_process(argv, "compiled", tree=site) as compiled,
    ):
        yield pure, compiled


@pytest.mark.slow
def test_compiled_server_answers_the_sdk_as_the_sources_do(servers: tuple[str, str]) -> None:
    request = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Reply in JSON with keys: city, reason."},
            {"role": "user", "content": "Which city should I visit in spring, and why?"},
        ],
        "seed": 3,
    }
    answers = []
    for url in servers:
        client = sdk(url.removesuffix("/"))
        whole = client.chat.completions.with_raw_response.create(**request)  # type: ignore[call-overload]
        completion = whole.parse()
        stream = client.chat.completions.create(**request, stream=True)  # type: ignore[call-overload]
        streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert streamed == completion.choices[0].message.content
        assert whole.headers["x-ratelimit-limit-requests"]
        answers.append((completion.choices[0].message.content, completion.usage))
    assert answers[0] == answers[1]
    assert json.loads(answers[1][0] or "")
