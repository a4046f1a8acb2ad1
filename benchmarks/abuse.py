"""What a flood of made-up credentials costs a real server (issue 14).

Starts ``guiders up`` (default limits, SQLite, no workers) pinned to one core, sends N requests
to ``GET /api/v2/chats``, each with a fresh random ``gdr_live_...`` bearer key, from ``wrk`` (a
Lua script makes the keys) pinned to the other core, and prints:
- the server's RSS after start-up and a warm-up, after the flood, and the growth (goal < 2 MB);
- how the keys were checked, from ``guiders_api_key_checks_total``: refused without the
  database (``malformed``), from the cache, or looked up in the database;
- the status codes and requests/s.

Without ``wrk`` (``apt-get install -y wrk``) an asyncio client sends the same requests. wrk
counts the answers it read; requests in flight when a round ends are served but not counted,
so the server's key checks can exceed the count a little.
Run: ``.venv/bin/python benchmarks/abuse.py [--requests 100000]``. On a shared machine the
requests/s figure moves with the neighbours; the memory and query figures do not.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import rss_kib

ALPHABET = string.ascii_letters + string.digits
WRK_SCRIPT = """
local chars = "%s"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local t = {}
  for i = 1, 43 do
    local r = math.random(1, 62)
    t[i] = chars:sub(r, r)
  end
  local auth = "Bearer gdr_live_" .. table.concat(t)
  return wrk.format("GET", "/api/v2/chats", {["Authorization"] = auth})
end
"""


def start_server(data_dir: Path, port: int, core: int | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GUIDERS_ANALYTICS_ENABLED": "false",
        "GUIDERS_PIPELINE_ENABLED": "false",
        "GUIDERS_BOT_ENABLED": "false",
        "GUIDERS_LOG_LEVEL": "WARNING",
    }
    pin = ["taskset", "-c", str(core)] if core is not None and shutil.which("taskset") else []
    proc = subprocess.Popen(
        [
            *pin,
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
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        time.sleep(0.2)
    raise TimeoutError("the server did not start")


def key_checks(base: str) -> dict[str, float]:
    """``guiders_api_key_checks_total`` by result (empty on a server without the metric)."""
    text = httpx.get(f"{base}/metrics/", timeout=10).text
    found = re.findall(r'^guiders_api_key_checks_total\{result="(\w+)"\} ([0-9.e+]+)$', text, re.M)
    return {result: float(value) for result, value in found}


def flood_wrk(base: str, seconds: int, core: int | None) -> tuple[int, float, int]:
    """wrk runs for a duration, not a count: (requests answered, requests/s, non-2xx)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % ALPHABET)
        script = fh.name
    pin = ["taskset", "-c", str(core)] if core is not None and shutil.which("taskset") else []
    out = subprocess.run(
        [*pin, "wrk", "-t1", "-c32", f"-d{seconds}s", "--timeout", "10s", "-s", script, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script)
    sent = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if sent is None or rate is None:
        raise RuntimeError(out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return int(sent.group(1)), float(rate.group(1)), int(non_2xx.group(1)) if non_2xx else 0


def flood_until(base: str, count: int, core: int | None) -> tuple[int, float, str]:
    """wrk in rounds of 10 s until ``count`` requests were answered (wrk stops on a duration,
    and on a shared machine the rate moves too much to size one run)."""
    sent, seconds, refused = 0, 0.0, 0
    while sent < count:
        started = time.perf_counter()
        n, _, non_2xx = flood_wrk(base, 10, core)
        seconds += time.perf_counter() - started
        sent, refused = sent + n, refused + non_2xx
        print(f"  ... {sent:,} requests, {sent / seconds:,.0f}/s", file=sys.stderr, flush=True)
    return sent, sent / seconds, f"non-2xx {refused:,}"


async def flood_asyncio(base: str, count: int) -> tuple[float, Counter[int]]:
    statuses: Counter[int] = Counter()
    left = count

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            key = "gdr_live_" + "".join(secrets.choice(ALPHABET) for _ in range(43))
            r = await http.get("/api/v2/chats", headers={"authorization": f"Bearer {key}"})
            statuses[r.status_code] += 1

    started = time.perf_counter()
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        await asyncio.gather(*(worker(http) for _ in range(32)))
    return time.perf_counter() - started, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument(
        "--warmup", type=int, default=2_000, help="warm-up requests of the asyncio client"
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    server_core, client_core = (0, 1) if cores >= 2 else (None, None)
    port = 18000 + secrets.randbelow(2000)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(Path(tmp), port, server_core)
        try:
            use_wrk = shutil.which("wrk") is not None
            print(
                f"server pid {proc.pid} on core {server_core}, "
                f"{'wrk' if use_wrk else 'asyncio client'} on core {client_core}; "
                f"{cores} cores (shared machine: requests/s is indicative only)"
            )
            start_rss = rss_kib(proc.pid)
            if use_wrk:
                warm, _, _ = flood_wrk(base, 5, client_core)
            else:
                asyncio.run(flood_asyncio(base, args.warmup))
                warm = args.warmup
            before_rss = rss_kib(proc.pid)
            checks_before = key_checks(base)
            if use_wrk:
                sent, rate, summary = flood_until(base, args.requests, client_core)
            else:
                elapsed, statuses = asyncio.run(flood_asyncio(base, args.requests))
                sent, rate, summary = args.requests, args.requests / elapsed, f"{dict(statuses)}"
            after_rss = rss_kib(proc.pid)
            checks_after = key_checks(base)
        finally:
            proc.terminate()
            proc.wait(10)
    delta = {k: checks_after.get(k, 0) - checks_before.get(k, 0) for k in checks_after}
    growth_mb = (after_rss - before_rss) / 1024
    print(f"random-credential requests  {sent:,} (asked for at least {args.requests:,})")
    print(f"  requests/s                {rate:,.0f}  {summary}")
    print(f"  RSS at start-up           {start_rss / 1024:.1f} MB")
    print(f"  RSS after warm-up         {before_rss / 1024:.1f} MB  ({warm:,} requests)")
    print(f"  RSS after the flood       {after_rss / 1024:.1f} MB")
    print(
        f"  growth                    {growth_mb:+.2f} MB  (goal < 2 MB: "
        f"{'met' if growth_mb < 2 else 'NOT met'})"
    )
    if delta:
        refused = delta.get("malformed", 0)
        cached, looked_up = delta.get("cached", 0), delta.get("database", 0)
        print(
            f"  key checks                refused before the database {refused:,.0f}, "
            f"cached {cached:,.0f}, database look-ups {looked_up:,.0f}"
        )
    else:
        print("  key checks                (no guiders_api_key_checks_total on this server)")


if __name__ == "__main__":
    main()
