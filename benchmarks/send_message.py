"""Accepted messages per second through POST /api/v2/chats/{id}/messages, against a bare
FastAPI endpoint on the same uvicorn settings, measured in the same run, on SQLite and on
PostgreSQL. Prints both rates and the ratio.

    .venv/bin/python benchmarks/send_message.py [--seconds 5] [--rounds 5] [--clients 16]
                                                [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _wait(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code in (200, 404):
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        time.sleep(0.2)
    raise TimeoutError(base)


def start_guiders(port: int, data_dir: Path, env_extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GUIDERS_RATE_LIMIT_PER_MINUTE": "100000000",
        "GUIDERS_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000000",
        # The send path alone: no in-process bot, scoring worker or pipeline reacting meanwhile.
        "GUIDERS_ANALYTICS_ENABLED": "false",
        "GUIDERS_BOT_ENABLED": "false",
        "GUIDERS_PIPELINE_ENABLED": "false",
        **env_extra,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "guiders.cli",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(f"http://127.0.0.1:{port}", proc)
    return proc


def start_bare(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT / "benchmarks",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(f"http://127.0.0.1:{port}", proc)
    return proc


async def load(url: str, headers: dict[str, str], seconds: float, clients: int) -> float:
    """Closed-loop load: each client sends the next message when the last is answered."""
    ok = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def client() -> None:
            nonlocal ok
            n = 0
            while time.monotonic() < deadline:
                n += 1
                r = await http.post(
                    url, headers=headers, json={"content": f"benchmark message {n}"}
                )
                if r.status_code == 201:
                    ok += 1

        start = time.monotonic()
        await asyncio.gather(*[client() for _ in range(clients)])
        elapsed = time.monotonic() - start
    return ok / elapsed


async def guiders_target(base: str, creds: dict[str, Any]) -> tuple[str, dict[str, str]]:
    async with httpx.AsyncClient(base_url=base) as http:
        v = (
            await http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "bench"},
            )
        ).json()
        key = {"authorization": f"Bearer {creds['integrationKey']}"}
        chat = (
            await http.post("/api/v2/chats", json={"visitorId": v["visitorId"]}, headers=key)
        ).json()["chatId"]
    return f"{base}/api/v2/chats/{chat}/messages", key


async def run_backend(name: str, env: dict[str, str], args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        proc = start_guiders(18700, data, env)
        bare = start_bare(18701)
        try:
            creds = json.loads((data / "demo-credentials.json").read_text())
            url, headers = await guiders_target("http://127.0.0.1:18700", creds)
            await load(url, headers, 1, args.clients)  # warm up
            bare_url = "http://127.0.0.1:18701/api/v2/chats/x/messages"
            bare_rates: list[float] = []
            our_rates: list[float] = []
            for _ in range(args.rounds):
                # Alternating short runs: a burst of load from elsewhere hits both sides.
                bare_rates.append(await load(bare_url, {}, args.seconds, args.clients))
                our_rates.append(await load(url, headers, args.seconds, args.clients))
            ours, bare_rate = statistics.median(our_rates), statistics.median(bare_rates)
            print(
                f"{name:<10} guiders {ours:8.0f} msg/s   bare {bare_rate:8.0f} req/s   "
                f"ratio {ours / bare_rate:.2f}   (medians of {args.rounds}; ratios per round "
                + " ".join(f"{o / b:.2f}" for o, b in zip(our_rates, bare_rates, strict=True))
                + ")",
                flush=True,
            )
        finally:
            proc.terminate()
            bare.terminate()
            proc.wait()
            bare.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5, help="length of one run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs per side")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.clients} concurrent clients, {args.rounds} x {args.seconds:.0f} s per side, "
        "one uvicorn worker"
    )
    await run_backend("sqlite", {}, args)
    if not args.no_postgres:
        import asyncpg

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
        await conn.execute(f"CREATE SCHEMA {schema}")
        try:
            await run_backend(
                "postgres",
                {"GUIDERS_DATABASE_URL": PG_URL, "GUIDERS_DATABASE_SCHEMA": schema},
                args,
            )
        finally:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
