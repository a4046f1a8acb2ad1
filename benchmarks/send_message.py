"""Accepted messages per second through ``POST /api/v2/chats/{id}/messages`` against a bare
FastAPI endpoint on uvicorn, in the same run, on SQLite and on PostgreSQL.

The load comes from ``wrk`` (one thread, ``--connections`` keep-alive connections) pinned to
one core; the servers are pinned to the other (``--server-cpus``/``--load-cpus``). Both sides
are measured in alternating rounds so a burst of other work on the machine hits both; the
medians and the ratio are printed, with the generator's CPU share per run (a share of 0.8 or
more of its core means the generator, not the server, may have been the limit: flagged).

    .venv/bin/python benchmarks/send_message.py [--seconds 8] [--rounds 3] [--connections 16]
        [--server-cpus 0] [--load-cpus 1] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import Server, SharedServices, bare_http, credentials, guiders
from wrk_load import WrkResult, post, require_wrk


async def target(server: Server, data_dir: Path) -> tuple[str, dict[str, str]]:
    """A chat of the demo tenant, and the integration key's header to post into it."""
    creds = credentials(data_dir)
    async with httpx.AsyncClient(base_url=server.base) as http:
        visitor = await http.post(
            "/api/auth/visitor/register",
            json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "bench"},
        )
        visitor.raise_for_status()
        key = {"Authorization": f"Bearer {creds['integrationKey']}"}
        chat = await http.post(
            "/api/v2/chats", json={"visitorId": visitor.json()["visitorId"]}, headers=key
        )
        chat.raise_for_status()
    return f"{server.base}/api/v2/chats/{chat.json()['chatId']}/messages", key


def measured(
    server: Server,
    cpu_ms: list[float],
    url: str,
    headers: dict[str, str],
    seconds: float,
    load: dict[str, Any],
) -> WrkResult:
    """One ``wrk`` run; the server's CPU milliseconds per accepted answer go to ``cpu_ms``."""
    before = server.cpu_seconds
    result = post(url, headers, seconds=seconds, **load)
    answered = max(result.requests - result.non_2xx - result.errors, 1)
    cpu_ms.append(1000 * (server.cpu_seconds - before) / answered)
    return result


def describe(result: WrkResult) -> str:
    flag = " SATURATED" if result.saturated else ""
    return f"{result.ok_per_s:7.0f}/s (wrk cpu {result.generator_cpu_share:.2f}{flag})"


async def run_backend(name: str, env: dict[str, str], args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        ours = guiders(data, env, cpus=args.server_cpus)
        bare = bare_http(cpus=args.server_cpus)
        try:
            url, headers = await target(ours, data)
            bare_url = f"{bare.base}/api/v2/chats/x/messages"
            load = {"connections": args.connections, "cpus": args.load_cpus}
            post(url, headers, seconds=1, **load)  # warm up: statement caches, JIT-less paths
            post(bare_url, {}, seconds=1, **load)
            bare_runs: list[WrkResult] = []
            our_runs: list[WrkResult] = []
            bare_cpu: list[float] = []
            our_cpu: list[float] = []
            for round_ in range(1, args.rounds + 1):
                bare_runs.append(measured(bare, bare_cpu, bare_url, {}, args.seconds, load))
                our_runs.append(measured(ours, our_cpu, url, headers, args.seconds, load))
                print(
                    f"  {name} round {round_}: bare {describe(bare_runs[-1])} "
                    f"{bare_cpu[-1]:.3f} ms cpu/req   guiders {describe(our_runs[-1])} "
                    f"{our_cpu[-1]:.3f} ms cpu/msg   ratio "
                    f"{our_runs[-1].ok_per_s / max(bare_runs[-1].ok_per_s, 1e-9):.3f}",
                    flush=True,
                )
            bare_rate = statistics.median(r.ok_per_s for r in bare_runs)
            our_rate = statistics.median(r.ok_per_s for r in our_runs)
            rejected = sum(r.non_2xx + r.errors for r in our_runs)
            # each round's two runs are back to back: their ratio is the least disturbed by
            # load that comes and goes on a shared machine
            paired = statistics.median(
                o.ok_per_s / max(b.ok_per_s, 1e-9) for o, b in zip(our_runs, bare_runs, strict=True)
            )
            print(
                f"{name:<9} guiders {our_rate:7.0f} msg/s   bare FastAPI {bare_rate:7.0f} req/s   "
                f"ratio {our_rate / bare_rate:.3f}, median of round ratios {paired:.3f}   "
                f"(medians of {args.rounds}; {rejected} guiders responses not 2xx)",
                flush=True,
            )
            # the server's own CPU per answer does not depend on how much of its core the
            # other processes of a shared machine left it: the steadiest figure of the two
            bare_ms, our_ms = statistics.median(bare_cpu), statistics.median(our_cpu)
            print(
                f"{name:<9} server CPU: guiders {our_ms:.3f} ms per message, bare FastAPI "
                f"{bare_ms:.3f} ms per request, CPU ratio {bare_ms / max(our_ms, 1e-9):.3f}",
                flush=True,
            )
        finally:
            ours.stop()
            bare.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8, help="length of one run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per side")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server-cpus", default="0", help="taskset list for both servers")
    parser.add_argument("--load-cpus", default="1", help="taskset list for wrk")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    require_wrk()
    print(
        f"pinning: servers on cpu {args.server_cpus}, wrk (1 thread, {args.connections} "
        f"connections) on cpu {args.load_cpus}; {args.rounds} x {args.seconds:g} s per side; "
        "one uvicorn worker each"
    )
    if not args.no_sqlite:
        await run_backend("sqlite", {}, args)
    if not args.no_postgres:
        shared = await SharedServices().create()
        try:
            env = {k: v for k, v in shared.env.items() if "REDIS" not in k}
            await run_backend("postgres", env, args)
        finally:
            await shared.drop()


if __name__ == "__main__":
    asyncio.run(main())
