"""Server processes for the real-time benchmarks: Guiders nodes and the bare baseline."""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
PG_URL = os.environ.get(
    "GUIDERS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("GUIDERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def raise_fd_limit() -> int:
    """Sockets are file descriptors: lift the soft limit to the hard one (this process and
    the servers it starts, which inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> tuple[float, float]:
    """``(busy, total)`` CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


class Server:
    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        cwd: Path | None = None,
        *,
        cpus: str | None = None,
    ) -> None:
        """``cpus``: a ``taskset -c`` list the server is pinned to (None: not pinned)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        pin = ["taskset", "-c", cpus] if cpus else []
        self.proc = subprocess.Popen(
            [*pin, sys.executable, *args, "--port", str(self.port)],
            env={**os.environ, **env},
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 240  # a busy machine: start-up has taken 90 s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {args} exited")
            time.sleep(0.2)
        raise TimeoutError(self.base)

    @property
    def cpu_seconds(self) -> float:
        return cpu_seconds(self.proc.pid)

    @property
    def rss_kib(self) -> int:
        return rss_kib(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


SERVER_ENV = {
    "GUIDERS_RATE_LIMIT_PER_MINUTE": "100000000",
    "GUIDERS_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000000",
    "GUIDERS_ANALYTICS_ENABLED": "false",  # no scoring worker or model training
    "GUIDERS_PIPELINE_ENABLED": "false",  # no in-process rules worker
    # no bot: on a fresh data dir it trains its knowledge-base model in a thread of the
    # server process, which holds the GIL for seconds and would be measured as fan-out
    "GUIDERS_BOT_ENABLED": "false",
    # no knowledge ingestion: its warm-up imports torch and loads the encoder in a
    # thread of the server, holding the GIL for tens of seconds on a busy machine (a
    # profile of the send benchmark found 2/3 of the server's samples there)
    "GUIDERS_KNOWLEDGE_ENABLED": "false",
}
"""The environment of every benchmark's Guiders server."""


def guiders(
    data_dir: Path, env: dict[str, str] | None = None, *, cpus: str | None = None
) -> Server:
    """``guiders up``: migrates, seeds the demo tenant once per data dir, serves."""
    return Server(
        ["-m", "guiders.cli", "up", "--data-dir", str(data_dir)],
        {**SERVER_ENV, **(env or {})},
        cpus=cpus,
    )


def bare(env: dict[str, str] | None = None, *, cpus: str | None = None) -> Server:
    return Server(
        ["-m", "uvicorn", "bare_socketio:app", "--log-level", "warning"],
        env or {},
        cwd=ROOT,
        cpus=cpus,
    )


def bare_http(*, cpus: str | None = None) -> Server:
    """The HTTP baseline: a bare FastAPI endpoint on uvicorn's defaults (bare_app.py)."""
    return Server(
        ["-m", "uvicorn", "bare_app:app", "--log-level", "warning"], {}, cwd=ROOT, cpus=cpus
    )


def credentials(data_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((data_dir / "demo-credentials.json").read_text())
    return loaded


class SharedServices:
    """A PostgreSQL schema and a Redis prefix of the benchmark's own, removed afterwards."""

    def __init__(self) -> None:
        self.schema = f"bench_{uuid.uuid4().hex[:10]}"
        self.prefix = f"bench{uuid.uuid4().hex[:10]}"

    async def _psql(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def create(self) -> SharedServices:
        await self._psql(f"CREATE SCHEMA {self.schema}")
        return self

    @property
    def env(self) -> dict[str, str]:
        return {
            "GUIDERS_DATABASE_URL": PG_URL,
            "GUIDERS_DATABASE_SCHEMA": self.schema,
            "GUIDERS_REDIS_URL": REDIS_URL,
            "GUIDERS_REDIS_PREFIX": self.prefix,
            "GUIDERS_JWT_SECRET": "benchmark-nodes-share-this-secret-0123456789",
        }

    async def drop(self) -> None:
        await self._psql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        from redis import asyncio as aioredis

        client = aioredis.Redis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(f"{self.prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
