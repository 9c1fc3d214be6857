"""Shared benchmark plumbing: pinned server processes, realistic request bodies, statistics.

Every benchmark compares the provider with a minimal baseline server measured in the same
run, so the figure it prints is a ratio that survives a noisy or different machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: The provider (and the baselines) run here; the load tool gets the other core.
SERVER_CPU = "0"
CLIENT_CPU = "1"
_URL_RE = re.compile(r"listening on (http://[\d.]+:\d+)")


class HarnessError(RuntimeError):
    """The benchmark itself failed (a server did not start, the load tool is missing)."""


def pinned(cpu: str, argv: Sequence[str]) -> list[str]:
    """``argv`` run under ``taskset -c cpu`` (unpinned where taskset is missing)."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", cpu, *argv] if taskset else list(argv)


@contextlib.contextmanager
def server_process(
    argv: Sequence[str], name: str, timeout_s: float = 30.0, tree: Path = REPO
) -> Iterator[str]:
    """Start a server that prints ``listening on http://host:port``; yield that URL.

    ``tree`` is the source tree it runs from (another checkout measures a before/after).
    """
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        list(argv),
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _wait_for_url(proc, name, timeout_s)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def _wait_for_url(proc: subprocess.Popen[str], name: str, timeout_s: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise HarnessError(f"{name} exited before listening: {err.strip()[-2000:]}")
        found = _URL_RE.search(line)
        if found:
            return found.group(1)
    raise HarnessError(f"{name} did not start within {timeout_s:.0f} s")


def python_server(*args: str) -> list[str]:
    """argv running this interpreter with ``args``."""
    return [sys.executable, *args]


def task_bodies(n: int, seed: int = 2024, *, stream: bool = False) -> list[dict[str, Any]]:
    """``n`` distinct chat bodies built from harness tasks (extract/classify/chat/rag, JSON
    modes mixed), with the sampling options real callers send."""
    from fake_provider.tasks import generate_task

    rng = random.Random(seed)
    kinds = ("extract", "classify", "chat", "rag")
    modes = ("schema", "instruction", "none")
    bodies = []
    for i in range(n):
        task = generate_task(kinds[i % 4], rng, json_mode=modes[(i // 4) % 3])
        body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": list(task.messages)}
        if task.response_format is not None:
            body["response_format"] = task.response_format
        if task.tools:
            body["tools"] = list(task.tools)
        if i % 2:
            body["temperature"] = round(rng.uniform(0.0, 1.0), 2)
        if i % 5 == 0:
            body["max_tokens"] = 400
        if stream:
            body["stream"] = True
        bodies.append(body)
    return bodies


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), nearest rank, of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """``--provider-tree`` and ``--build``: which checkout's provider runs, and how built."""
    parser.add_argument(
        "--provider-tree",
        type=Path,
        default=REPO,
        help="run the provider from this checkout (e.g. a worktree of an older commit)",
    )
    parser.add_argument(
        "--build",
        choices=("wheel", "source"),
        default="wheel",
        help="run the provider as its wheel installs it, mypyc-compiled (default; built once "
        "per source, about a minute), or from the checkout's pure-Python sources (as an "
        "editable install runs it, and the only choice for checkouts without setup.py)",
    )


def provider_home(args: argparse.Namespace) -> Path:
    """Where the provider runs from for ``args`` (see :func:`add_build_arguments`)."""
    tree: Path = args.provider_tree
    if args.build == "source":
        return tree
    if not (tree / "setup.py").is_file():
        raise HarnessError(f"{tree} has no setup.py to build a wheel from: use --build source")
    from benchmarks._native import NativeBuildError, native_site

    try:
        return native_site(tree)
    except NativeBuildError as exc:
        raise HarnessError(str(exc)) from None
