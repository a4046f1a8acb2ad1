"""Does a stream of failing staff sign-ins stall the server? ``/api/health`` latency alone and
while 4 clients send wrong passwords, against a real ``guiders up`` (SQLite, workers off), and
how long a sign-in takes for a known and an unknown e-mail.

    .venv/bin/python benchmarks/login_stall.py [--requests 200] [--seconds 15]

Each wrong sign-in is for a new e-mail (an unknown one costs the dummy Argon2 hash; ``--known``:
always the demo agent's, for a server without the dummy hash) and carries a new
``X-Forwarded-For``, believed because the server runs with ``GUIDERS_TRUSTED_PROXIES=127.0.0.1``:
so neither the account nor the address lock turns the attempts into cheap 429s, and every one
costs an Argon2 verification. A stalled event loop shows in p99 and max more than in the median
(health requests queue behind a run of verifications, then pass in a burst).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.e2e.server import ServerProcess  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def health_ms(http: httpx.AsyncClient, n: int, until: float = 0.0) -> list[float]:
    """``n`` sequential health requests, or as many as fit before ``until`` (monotonic)."""
    out: list[float] = []
    while len(out) < n if not until else time.monotonic() < until:
        started = time.perf_counter()
        r = await http.get("/api/health")
        r.raise_for_status()
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="health requests per phase")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the login load")
    parser.add_argument(
        "--known",
        action="store_true",
        help="attack one known e-mail (a server without the dummy hash verifies only those; "
        "with the account lock most attempts become 429s)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), GUIDERS_TRUSTED_PROXIES="127.0.0.1")
        server.start()
        try:
            known = server.credentials()["staff"][1]["email"]
            counter = itertools.count()
            attempts = 0
            async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
                await health_ms(http, 20)  # warm-up
                alone = await health_ms(http, args.requests)

                async def sign_in(email: str) -> float:
                    n = next(counter)
                    started = time.perf_counter()
                    r = await http.post(
                        "/api/user/auth/login",
                        json={"email": email, "password": "wrong password"},
                        headers={
                            "x-forwarded-for": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
                        },
                    )
                    assert r.status_code in (401, 429), r.text
                    return (time.perf_counter() - started) * 1000

                known_ms = [await sign_in(known) for _ in range(4)]
                unknown_ms = [await sign_in(f"nobody{i}@example.com") for i in range(4)]
                stop = time.monotonic() + args.seconds

                async def attacker() -> None:
                    nonlocal attempts
                    while time.monotonic() < stop:
                        await sign_in(known if args.known else f"guess{next(counter)}@example.com")
                        attempts += 1

                load = [asyncio.create_task(attacker()) for _ in range(4)]
                await asyncio.sleep(1)
                during = await health_ms(http, 0, until=stop)
                await asyncio.gather(*load)
        finally:
            server.stop()
    print(
        f"sign-in, wrong password: known e-mail median {statistics.median(known_ms):.0f} ms, "
        f"unknown e-mail median {statistics.median(unknown_ms):.0f} ms"
    )
    for name, values in (("alone", alone), ("with 4 failing sign-in clients", during)):
        print(
            f"/api/health {name}: median {statistics.median(values):.1f} ms, "
            f"p95 {pct(values, 95):.1f} ms, p99 {pct(values, 99):.1f} ms, "
            f"max {max(values):.0f} ms ({len(values)} requests)"
        )
    print(f"{attempts} failing sign-ins in {args.seconds:g} s")


if __name__ == "__main__":
    asyncio.run(main())
