"""Minimal aiohttp servers the provider is measured against, on uvloop like the provider.

``fixed``: ``POST /v1/chat/completions`` reads the body and returns one fixed completion.
``sse``: the same path streams fixed chunks on the schedule ``ttft + k·itl`` (role and
first piece at TTFT, then one piece per ``itl``, finish, ``[DONE]``), sleeping to each
chunk's absolute time as the provider does.

Run: ``python benchmarks/baseline_servers.py fixed --port 0`` (prints ``listening on URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import orjson
from aiohttp import web

_HEAD = {
    "id": "chatcmpl-0000000000000000",
    "created": 1_700_000_000,
    "model": "gpt-4o-mini",
    "system_fingerprint": "fp_3b9e41a0c2",
}
FIXED_COMPLETION = orjson.dumps(
    {
        **_HEAD,
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": '{"customer_name": "Dana Whitfield", "email": '
                    '"dana.whitfield@example.com", "order_id": "ORD-483920", '
                    '"amount_usd": 129.5, "order_date": "2024-03-05"}',
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 312, "completion_tokens": 58, "total_tokens": 370},
        "service_tier": "default",
    }
)


def _event(delta: dict[str, object], finish: str | None = None) -> bytes:
    chunk = {
        **_HEAD,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


async def _fixed(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=FIXED_COMPLETION, content_type="application/json")


def _sse_handler(ttft_s: float, itl_s: float, pieces: int) -> web.Handler:
    role = _event({"role": "assistant", "content": "", "refusal": None})
    piece = _event({"content": " word"})
    finish = _event({}, "stop")
    # Offsets as the provider plans them: role and first piece at TTFT, then one gap per piece.
    events = [(ttft_s, role)] + [(ttft_s + k * itl_s, piece) for k in range(pieces)]
    events.append((ttft_s + (pieces - 1) * itl_s, finish))

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        loop = asyncio.get_running_loop()
        start = loop.time()
        resp = web.StreamResponse(headers={"Cache-Control": "no-cache"})
        resp.content_type = "text/event-stream"
        await resp.prepare(request)
        for offset, data in events:
            wait = start + offset - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            await resp.write(data)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    return handle


async def _serve(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=2048)
    await site.start()
    print(f"baseline listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    """Serve one baseline until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("fixed", "sse"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ttft-ms", type=float, default=200.0)
    parser.add_argument("--itl-ms", type=float, default=20.0)
    parser.add_argument("--pieces", type=int, default=60)
    args = parser.parse_args()
    app = web.Application()
    if args.kind == "fixed":
        app.router.add_post("/v1/chat/completions", _fixed)
    else:
        handler = _sse_handler(args.ttft_ms / 1000, args.itl_ms / 1000, args.pieces)
        app.router.add_post("/v1/chat/completions", handler)
    import uvloop

    uvloop.run(_serve(app, args.port))


if __name__ == "__main__":
    main()
