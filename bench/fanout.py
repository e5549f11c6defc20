"""Websocket fan-out: N clients watch one campaign, one donation, how long until all know.

    python bench/fanout.py --ws-port 8011 --http-port 8010 --campaign ID --token JWT --clients 1000

Connects N websocket clients (to the uvicorn process), waits for every
`connected`, then POSTs one donation through gunicorn and measures, from the
moment the POST was sent, when each client received `new_donation`. Prints
JSON: clients, connected, received, post_ms (the HTTP answer), p50_ms, max_ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
import urllib.request


async def main_async(args) -> dict:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{args.ws_port}/ws/campaigns/{args.campaign}/"
    got: list[float] = []
    conns = []
    sem = asyncio.Semaphore(50)

    async def open_one():
        async with sem:
            ws = await connect(url, origin="http://127.0.0.1", open_timeout=30, max_queue=None)
            hello = json.loads(await ws.recv())
            assert hello["type"] == "connected"
            conns.append(ws)

    await asyncio.gather(*(open_one() for _ in range(args.clients)))
    await asyncio.sleep(1.0)  # let every group_add settle

    async def wait_one(ws):
        while True:
            msg = json.loads(await ws.recv())
            if msg.get("type") == "new_donation":
                got.append(time.perf_counter())
                return

    waiters = [asyncio.create_task(wait_one(ws)) for ws in conns]

    def post() -> float:
        req = urllib.request.Request(
            f"http://127.0.0.1:{args.http_port}/api/v1/campaigns/{args.campaign}/donations",
            data=json.dumps({"amount": "1.00"}).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 201, resp.status
        return time.perf_counter()

    t0 = time.perf_counter()
    answered = await asyncio.to_thread(post)
    await asyncio.wait(waiters, timeout=args.timeout)
    for w in waiters:
        w.cancel()
    for ws in conns:
        await ws.close()
    lat = sorted((t - t0) * 1000 for t in got)
    return {
        "clients": args.clients,
        "connected": len(conns),
        "received": len(got),
        "post_ms": round((answered - t0) * 1000, 1),
        "p50_ms": round(lat[len(lat) // 2], 1) if lat else None,
        "max_ms": round(lat[-1], 1) if lat else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ws-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(main_async(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
