"""Idle connections one server process holds, and the memory each costs, for Guiders and for
the bare python-socketio baseline (benchmarks/bare_socketio.py), measured in the same run.

Opens ``--connections`` websocket Socket.IO connections (Guiders: authenticated with the demo
integration key, as a bot or dashboard would be), lets them sit through at least one server ping
(``--hold`` seconds), and reports the server's resident memory growth per connection and how many
connections were dropped. File-descriptor limits are raised to the hard limit first: each
connection is one descriptor in the server and one in this process.

    .venv/bin/python benchmarks/idle_connections.py [--connections 10000] [--hold 30] [--deflate]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eio_client import RawSocket, connect_many
from processes import Server, bare, credentials, guiders, raise_fd_limit

WARM = 50


async def hold(
    server: Server, auth: dict[str, Any], count: int, seconds: float, deflate: bool
) -> dict[str, Any]:
    warm = [RawSocket(server.base, auth, deflate=deflate) for _ in range(WARM)]
    await connect_many(warm)
    await asyncio.sleep(1)
    before = server.rss_kib
    sockets = [RawSocket(server.base, auth, deflate=deflate) for _ in range(count)]
    started = time.perf_counter()
    await connect_many(sockets, concurrency=50, within=120)
    connect_s = time.perf_counter() - started
    await asyncio.sleep(seconds)
    after = server.rss_kib
    alive = sum(
        1 for s in sockets if s._reader is not None and not s._reader.done() and s.ws is not None
    )
    ping = await sockets[-1].call("ping", {}) if "token" in auth else None
    for s in [*warm, *sockets]:
        await s.close()
    return {
        "connect_s": connect_s,
        "alive": alive,
        "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024,
        "per_conn_kib": (after - before) / count,
        "ping": ping,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument(
        "--hold", type=float, default=30, help="seconds idle (the server pings every 25 s)"
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="clients offer permessage-deflate, as browsers do (default: they do not)",
    )
    args = parser.parse_args()
    limit = raise_fd_limit()
    needed = args.connections + WARM + 200
    if limit < needed:
        raise SystemExit(f"file-descriptor limit {limit} < {needed}: raise the hard limit")
    print(
        f"idle connections: {args.connections} held {args.hold:g} s"
        f"{', clients offer permessage-deflate' if args.deflate else ''}; fd limit {limit}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("bare", "guiders"):
            server = bare() if name == "bare" else guiders(Path(tmp))
            try:
                auth: dict[str, Any] = (
                    {"tenant": True}
                    if name == "bare"
                    else {"token": credentials(Path(tmp))["integrationKey"]}
                )
                r = results[name] = await hold(
                    server, auth, args.connections, args.hold, args.deflate
                )
            finally:
                server.stop()
            print(
                f"{name:<8} {r['alive']:>6}/{args.connections} alive after {args.hold:g} s "
                f"(connected in {r['connect_s']:.1f} s)  RSS {r['rss_before_mib']:.0f} -> "
                f"{r['rss_after_mib']:.0f} MiB  = {r['per_conn_kib']:.1f} KiB per connection",
                flush=True,
            )
    g, b = results["guiders"], results["bare"]
    print(
        f"ratio guiders/bare memory per connection {g['per_conn_kib'] / b['per_conn_kib']:.2f}x  "
        f"(target: {args.connections} held at <= 20 KiB each: "
        f"{'met' if g['alive'] == args.connections and g['per_conn_kib'] <= 20 else 'NOT met'})"
    )


if __name__ == "__main__":
    asyncio.run(main())
