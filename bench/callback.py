"""Benchmark: encrypted text callbacks through the whole service vs a bare aiohttp handler.

The service path is the real one: signature check, decryption, hardened XML parsing, dedupe claimed in
Redis (unique MsgIds), routing to the ``帮助`` handler, template rendering and an encrypted passive reply.
The baseline is an aiohttp handler that only reads the body. Each server runs in its own process on
127.0.0.1; the load generator runs here, with every request body encrypted before timing starts.

Two phases per server: saturation (closed loop, fixed concurrency) gives requests/s; then an open
loop at half that rate gives p50/p99 latency under moderate load.

    python bench/callback.py [--seconds 5] [--concurrency 32] [--redis redis://127.0.0.1:6379/14]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, TCPConnector, web

from bot.embedded import free_port


def _serve_bare(port: int) -> None:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/wecom/callback", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _serve_service(port: int, redis_url: str) -> None:
    import logging

    logging.disable(logging.WARNING)
    from bot.app import create_app
    from tests.core.callback_helpers import make_settings

    settings = make_settings(REDIS_URL=redis_url)
    app = create_app(settings, overrides={"db": None, "wecom": None})
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _bodies(count: int) -> list[tuple[str, str]]:
    from tests.core.callback_helpers import signed_post, text_xml

    base = int(time.time() * 1000) * 1000
    return [signed_post(text_xml("帮助", msg_id=str(base + i))) for i in range(count)]


async def _wait_ready(url: str) -> None:
    async with ClientSession() as session:
        for _ in range(200):
            try:
                async with session.post(url, data=b"<xml/>"):
                    return
            except OSError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start")


async def _saturate(
    url: str, bodies: list[tuple[str, str]], seconds: float, concurrency: int
) -> tuple[float, int]:
    done = 0
    failures = 0
    index = 0
    deadline = time.perf_counter() + seconds
    async with ClientSession(connector=TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal done, failures, index
            while time.perf_counter() < deadline and index < len(bodies):
                query, body = bodies[index]
                index += 1
                async with session.post(f"{url}?{query}", data=body) as resp:
                    await resp.read()
                    if resp.status != 200:
                        failures += 1
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return done / elapsed, failures


async def _latency(url: str, bodies: list[tuple[str, str]], rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    count = min(int(rate * seconds), len(bodies))
    async with ClientSession(connector=TCPConnector(limit=256)) as session:

        async def one(query: str, body: str) -> None:
            started = time.perf_counter()
            async with session.post(f"{url}?{query}", data=body) as resp:
                await resp.read()
            latencies.append(time.perf_counter() - started)

        tasks = []
        start = time.perf_counter()
        for i in range(count):
            target = start + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(*bodies[i])))
        await asyncio.gather(*tasks)
    return latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _measure(name: str, url: str, args: argparse.Namespace) -> dict[str, float]:
    await _wait_ready(url)
    await _saturate(url, _bodies(300), 1.0, args.concurrency)  # warm up
    rps, failures = await _saturate(url, _bodies(args.max_requests), args.seconds, args.concurrency)
    print(f"{name:8s} {rps:9.0f} req/s at saturation (concurrency {args.concurrency}), non-200: {failures}")
    return {"rps": rps, "failures": failures}


async def _half_load(name: str, url: str, rate: float, args: argparse.Namespace) -> dict[str, float]:
    lat = await _latency(url, _bodies(int(rate * args.seconds) + 10), rate, args.seconds)
    result = {"p50": _pct(lat, 0.50), "p99": _pct(lat, 0.99)}
    print(
        f"{name:8s} at {rate:.0f} req/s (half the service's rate): p50 {result['p50']:.2f} ms  "
        f"p99 {result['p99']:.2f} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=40000)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()

    ctx = mp.get_context("spawn")
    servers = {}
    for name, target, extra in (("bare", _serve_bare, ()), ("service", _serve_service, (args.redis,))):
        port = free_port()
        proc = ctx.Process(target=target, args=(port, *extra), daemon=True)
        proc.start()
        servers[name] = (proc, f"http://127.0.0.1:{port}/wecom/callback")
    try:
        rates = {name: asyncio.run(_measure(name, url, args)) for name, (_, url) in servers.items()}
        half = rates["service"]["rps"] / 2
        lat = {name: asyncio.run(_half_load(name, url, half, args)) for name, (_, url) in servers.items()}
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.join(5)
    ratio = rates["service"]["rps"] / rates["bare"]["rps"]
    print(
        f"ratio    service/bare throughput = {ratio:.2f} (goal >= 0.40); service p99 at half load = "
        f"{lat['service']['p99']:.2f} ms (goal < 20 ms); "
        f"bare p99 at the same rate = {lat['bare']['p99']:.2f} ms"
    )
    print(
        f"note     one load-generator process on {os.cpu_count()} cores: the bare rate is a floor "
        "(the generator saturates first), so the ratio is conservative"
    )


if __name__ == "__main__":
    main()
