"""The embedded fake provider as its own process, started, watched and stopped by the run."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from fake_provider.config import ProviderConfig
from fake_provider.errors import GamedayError


class ProviderProcessError(GamedayError):
    """The provider process would not start, or died."""


class ProviderProcess:
    """``gameday provider`` in a child process on a free loopback port.

    Example::

        with ProviderProcess(config, run_dir) as provider:
            provider.set_t0(time.time())
            print(provider.url)
    """

    def __init__(self, config: ProviderConfig, run_dir: Path, start_timeout_s: float = 20.0):
        self.config = config
        self.run_dir = run_dir
        self.start_timeout_s = start_timeout_s
        self.admin_token = secrets.token_hex(16)
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._log_path = run_dir / "provider.log"

    def start(self) -> str:
        """Start the process and wait until ``/healthz`` answers; returns the base URL."""
        config_path = self.run_dir / "provider-config.json"
        config_path.write_bytes(orjson.dumps(self.config.to_json(), option=orjson.OPT_INDENT_2))
        cmd = [
            sys.executable,
            "-m",
            "simulator.cli",
            "provider",
            "--config",
            str(config_path),
            "--port",
            "0",
            "--truth",
            str(self.run_dir / "truth.jsonl"),
            "--admin-token",
            self.admin_token,
        ]
        log = open(self._log_path, "w")  # noqa: SIM115 - handed to the child
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True
        )
        log.close()
        line = self._read_first_line()
        if " on " not in line:
            self.stop()
            raise ProviderProcessError(
                f"the provider did not start: {self._tail_log() or line.strip() or 'no output'}"
            )
        self.url = line.split(" on ", 1)[1].split()[0]
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            try:
                self.get("/healthz")
                return self.url
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        self.stop()
        raise ProviderProcessError("the provider never became healthy")

    def _read_first_line(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(
            target=lambda: box.append(self._proc.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(self.start_timeout_s)
        return box[0] if box else ""

    def _tail_log(self) -> str:
        try:
            lines = self._log_path.read_text().strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._proc is not None and self._proc.poll() is None

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin API (or any path) and return the decoded JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.admin_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read() or b"null")

    def get(self, path: str) -> Any:
        """GET ``path``."""
        return self.request("GET", path)

    def set_t0(self, t0_unix: float) -> None:
        """Make request times count from ``t0_unix``."""
        self.request("POST", "/admin/t0", {"t0_unix": t0_unix})

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGTERM (the provider flushes its truth log), then SIGKILL if it lingers."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def __enter__(self) -> ProviderProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
