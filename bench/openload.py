"""Open-model (constant arrival rate) HTTP load, wrk2-style, on loopback.

Requests start on a fixed schedule — request i at start + i/rate — whether or
not earlier ones have answered, and each latency is measured from its
*scheduled* start, so a server that stalls is charged for the queue it builds
(no coordinated omission). One new connection per request, as gunicorn's sync
workers close the connection after each response anyway.

    python bench/openload.py --port 8010 --rate 200 --duration 5 --requests reqs.json

reqs.json: a list of {"method", "path", "headers": {..}, "body": str|null};
requests cycle through it. Prints one JSON object: sent, ok (2xx), non_2xx,
errors, rps, p50_ms, p99_ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time


def _raw(req: dict, host: str) -> bytes:
    body = (req.get("body") or "").encode()
    lines = [f"{req['method']} {req['path']} HTTP/1.1", f"Host: {host}", "Connection: close"]
    for k, v in (req.get("headers") or {}).items():
        lines.append(f"{k}: {v}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _one(port: int, raw: bytes, scheduled: float, out: list, timeout: float) -> None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
        writer.close()
        status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    except (OSError, TimeoutError, ValueError):
        status = -1
    out.append((status, time.perf_counter() - scheduled))


async def run(port: int, rate: float, duration: float, reqs: list[dict], timeout: float) -> dict:
    raws = [_raw(r, f"127.0.0.1:{port}") for r in reqs]
    total = int(rate * duration)
    results: list = []
    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(_one(port, raws[i % len(raws)], scheduled, results, timeout))
        )
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    lat = sorted(t for s, t in results if s > 0)
    ok = sum(1 for s, _ in results if 200 <= s < 300)
    errors = sum(1 for s, _ in results if s < 0)

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

    return {
        "rate": rate,
        "sent": total,
        "ok": ok,
        "non_2xx": total - ok,
        "errors": errors,
        "rps": round(ok / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(args.requests) as fh:
        reqs = json.load(fh)
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # plain asyncio is fine, just slower
        loop_factory = None
    result = asyncio.run(
        run(args.port, args.rate, args.duration, reqs, args.timeout), loop_factory=loop_factory
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
