"""Non-streaming throughput of the provider as a ratio to a minimal aiohttp handler.

Both servers run on one core (``taskset -c 0``) on uvloop; ``wrk`` runs on the other core
with the same Lua script, which rotates over thousands of distinct harness-task bodies (more
than any memo in the provider holds), so no cache flatters the figure. The provider runs with
zero configured latency, the truth log on, and a fault timeline evaluated on every request:
a latency fault with ``extra_ms``, a ``server_error`` fault at fraction 0 and a silent swap
on another model. Rounds alternate between the two servers; the ratio printed is the median
of the per-round ratios. Target: ratio >= 0.5.

With ``--shared-core`` every server is loaded at once, all on the server core, which the
kernel splits evenly between them: a swing in the host's speed then hits every server alike,
and a round's ratio is the ratio of their costs per request while sharing a core (a little
lower for the server with the larger working set, whose caches the other evicts). Such
rounds agree to about 2 % where alternating ones differ by up to 20 %, which is what a
before/after comparison of a few per cent needs (``--compare-tree``).

The provider runs as ``pip install`` installs it: the wheel, whose per-request modules are
compiled with mypyc (``setup.py``; built once per source by ``benchmarks/_native.py``).
``--build source`` runs the pure-Python sources instead, as an editable install does; so does
``--compare-tree``, which can also name this checkout to measure both builds in the same rounds.

Run: ``python benchmarks/provider_throughput.py`` (about a minute, plus a minute the first
time to build the wheel). Exit 0 unless the harness itself failed (a server did not start,
wrk missing, error responses, the wheel would not build).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from benchmarks._harness import (
    CLIENT_CPU,
    REPO,
    SERVER_CPU,
    HarnessError,
    add_build_arguments,
    median,
    pinned,
    provider_home,
    python_server,
    server_process,
    task_bodies,
)

TARGET_RATIO = 0.5
_PATH = "/v1/chat/completions"
_LUA = """
local path = %(path)s
local reqs = {}
local i = 0
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer sk-bench-1"}
function init(args)
  for line in io.lines(path) do
    reqs[#reqs + 1] = wrk.format("POST", "/v1/chat/completions", headers, line)
  end
end
function request()
  i = i %% #reqs + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def provider_config() -> dict[str, object]:
    """The provider under test: no latency, no rate limiting, three faults evaluated per request."""
    from fake_provider.config import Fault, ProviderConfig, RateLimits, default_models

    day = 86_400.0
    faults = (
        Fault("slow", "latency", 0.0, day, model="gpt-4o-mini", extra_ms=40.0),
        Fault("errors", "server_error", 0.0, day, model="gpt-4o-mini", fraction=0.0, status=503),
        Fault("swap", "silent_model_swap", 0.0, day, model="gpt-4o", behaviour="subtly_wrong"),
    )
    config = ProviderConfig(
        seed=7,
        models=default_models(),
        rate_limits=RateLimits(tpm=None, rpm=None),
        faults=faults,
        latency_scale=0.0,
    )
    return config.to_json()


def run_wrk(url: str, script: Path, seconds: float, connections: int) -> dict[str, float]:
    """One wrk run on the client core; its summary with ``rps`` added."""
    return run_wrks([url], script, seconds, connections)[url]


def run_wrks(
    urls: list[str], script: Path, seconds: float, connections: int
) -> dict[str, dict[str, float]]:
    """One wrk per URL, all at once on the client core; each summary with ``rps`` added."""
    procs = {
        url: subprocess.Popen(
            pinned(
                CLIENT_CPU,
                ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(script), url],
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for url in urls
    }
    outputs = {}
    for url, proc in procs.items():  # every wrk is waited for before any is judged
        try:
            outputs[url] = proc.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            outputs[url] = proc.communicate()
    return {
        url: _summary(url, procs[url].returncode, stdout, stderr)
        for url, (stdout, stderr) in outputs.items()
    }


def _summary(url: str, returncode: int, stdout: str, stderr: str) -> dict[str, float]:
    line = next((ln for ln in stdout.splitlines() if ln.startswith("RESULT ")), None)
    if returncode != 0 or line is None:
        raise HarnessError(f"wrk failed ({returncode}): {stderr.strip() or stdout}")
    result = json.loads(line[len("RESULT ") :])
    bad = result["status"] + result["timeout"] + result["connect"] + result["read"]
    if bad:
        raise HarnessError(f"{url}: {bad} failed requests in wrk's summary {result}")
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def _provider_argv(tmp: Path, name: str) -> list[str]:
    config_path = tmp / "provider.json"
    config_path.write_bytes(orjson.dumps(provider_config()))
    argv = python_server(
        "-m", "simulator.cli", "provider", "--config", str(config_path), "--port", "0",
        "--truth", str(tmp / f"truth-{name}.jsonl"),
    )  # fmt: skip
    return pinned(SERVER_CPU, argv)


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    """Warm up, then rounds over the servers in rotating order; per-round figures and medians."""
    home = provider_home(args)
    bodies = tmp / "bodies.jsonl"
    bodies.write_bytes(b"\n".join(orjson.dumps(b) for b in task_bodies(args.bodies)) + b"\n")
    script = tmp / "rotate.lua"
    script.write_text(_LUA % {"path": json.dumps(str(bodies))})
    baseline = pinned(
        SERVER_CPU, python_server(str(Path(__file__).with_name("baseline_servers.py")), "fixed")
    )
    servers = [
        ("baseline", baseline, REPO),
        ("provider", _provider_argv(tmp, "provider"), home),
    ]
    if args.compare_tree is not None:
        servers.append(("before", _provider_argv(tmp, "before"), args.compare_tree))
    rounds: list[dict[str, float]] = []
    with contextlib.ExitStack() as stack:
        urls = {
            name: stack.enter_context(server_process(argv, name, tree=tree)) + _PATH
            for name, argv, tree in servers
        }
        for url in urls.values():
            run_wrk(url, script, args.warmup, args.connections)
        for i in range(args.rounds):
            names = list(urls)
            if args.shared_core:
                loads = run_wrks(list(urls.values()), script, args.duration, args.connections)
                rps = {name: loads[urls[name]]["rps"] for name in names}
            else:
                order = names[i % len(names) :] + names[: i % len(names)]
                rps = {name: run_wrk(urls[name], script, args.duration, args.connections)["rps"]
                       for name in order}  # fmt: skip
            row = {f"{name}_rps": value for name, value in rps.items()}
            row.update({f"{name}_ratio": rps[name] / rps["baseline"] for name in names[1:]})
            rounds.append(row)
            print(f"round {i + 1}: " + "  ".join(f"{n} {rps[n]:7.0f} req/s" for n in names)
                  + "  " + "  ".join(f"{n}/baseline {row[f'{n}_ratio']:.3f}" for n in names[1:]),
                  flush=True)  # fmt: skip
    result: dict[str, object] = {key: median([r[key] for r in rounds]) for key in rounds[0]}
    result["ratio"] = result["provider_ratio"]
    result["rounds"] = rounds
    result["truth_records"] = (tmp / "truth-provider.jsonl").read_bytes().count(b"\n")
    return result


def main() -> int:
    """Run the benchmark and print the figures; 0 unless the harness failed."""
    parser = argparse.ArgumentParser(description="Provider non-streaming throughput ratio.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per server")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--bodies", type=int, default=5000, help="distinct request bodies")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--shared-core",
        action="store_true",
        help="load every server at once, sharing the server core: the host's swings hit all "
        "of them alike (a steadier ratio, for before/after comparisons)",
    )
    parser.add_argument(
        "--compare-tree",
        type=Path,
        help="also measure the pure-Python sources of this checkout in the same rounds "
        "(before/after, or this checkout's sources against its wheel)",
    )
    add_build_arguments(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 3
    try:
        with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
            result = measure(args, Path(tmp))
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if result["truth_records"] == 0:
        print("error: the provider wrote no truth records", file=sys.stderr)
        return 3
    print(f"baseline (minimal aiohttp handler): {result['baseline_rps']:.0f} req/s (median)")
    label = f"provider ({args.build} build):"
    print(f"{label:36s}{result['provider_rps']:.0f} req/s (median)")
    if "before_ratio" in result:
        before, ratio = result["before_rps"], result["before_ratio"]
        print(f"provider from {args.compare_tree} (source): {before:.0f} req/s (median), "
              f"ratio {ratio:.3f}")  # fmt: skip
    verdict = "meets" if result["ratio"] >= TARGET_RATIO else "misses"
    print(f"ratio provider/baseline: {result['ratio']:.3f} ({verdict} target >= {TARGET_RATIO})")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
