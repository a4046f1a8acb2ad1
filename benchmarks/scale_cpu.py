"""CPU per delivered event with 1, 2 and 4 server nodes, for both event routings, in one run;
then the guarantees across a node killed with ``kill -9`` and a Redis restart.

A wall-clock throughput ratio cannot show scaling on a two-core machine shared with the load
generator, PostgreSQL and Redis; CPU seconds per delivered event can: it is what a node costs
whatever the number of cores. Here: the user + system CPU of every server process (from
``/proc/PID/stat``) while messages are sent and delivered, per 1,000 ``message:new`` deliveries.

Layout: ``--companies`` companies, each with ``--chats`` chats, each chat watched by its
visitor and ``--watchers`` staff sockets (an integration key), so the same sockets in every
run. A company's sockets are on one node (company ``c`` on node ``c mod N``: a balancer that
keeps a company's sockets together, companies spread evenly). Messages are posted at a fixed
``--rate`` per second (open loop), to the nodes in turn.

- **routing** ``shared``: today's design, every node reads the whole stream ``{prefix}:events``;
  ``company``: a stream per company, read by the nodes serving it (``GUIDERS_EVENT_ROUTING``).
- **fan-in**: of the events the nodes decoded from Redis (``guiders_bus_events_read_total``),
  the share that none of the decoding node's sockets needed: each committed message is needed
  by one node, so the excess is other nodes' copies (``shared``) plus at-least-once
  redeliveries (the relay's sweep publishing again what a busy node had not yet flushed).
- **idle**: what the nodes use with the same sockets open and nothing sent (their timers), as
  cores; it is part of the per-delivery figure and grows with N in both routings.

The guarantee run uses ``company`` routing on 3 nodes with the same layout: under load, one node
is killed with ``kill -9`` (its sockets reconnect to the next node and ``resume`` from the last
``seq`` they got), then Redis is restarted; every socket must get every accepted message once.
A private ``redis-server`` on a free port is used throughout, so restarting it disturbs nothing.

    .venv/bin/python benchmarks/scale_cpu.py [--companies 8] [--chats 4] [--rate 60] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eio_client import RawSocket, connect_many
from processes import PG_URL, Server, SharedServices, free_port, guiders, raise_fd_limit

READ = re.compile(r'^guiders_bus_events_read_total\{stream="(\w+)"\} ([0-9.e+]+)$', re.M)


class PrivateRedis:
    """A throw-away ``redis-server`` (no persistence): a restart loses what it held."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if done.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Company:
    id: str
    key: str
    chats: list[tuple[str, str]] = field(default_factory=list)  # (chatId, visitor token)


@dataclass
class Watch:
    """A socket as its user sees it: it may reconnect to another node, the inbox stays."""

    company: int
    chat: str
    auth: dict[str, Any]
    inbox: list[str] = field(default_factory=list)
    last_seq: int = 0
    socket: RawSocket | None = None

    def on_event(self, name: str, data: Any, _: float) -> None:
        if name == "message:new":
            self.inbox.append(data["content"])
            self.last_seq = max(self.last_seq, int(data["seq"]))

    async def open(self, base: str, *, resume: bool = False) -> None:
        # what it had before this connection: events that arrive between the connect and
        # the resume would otherwise move it past the ones it missed
        resume_from = self.last_seq
        self.socket = RawSocket(base, self.auth, self.on_event)
        await self.socket.connect()
        ack = await self.socket.call("chat:join", {"chatId": self.chat})
        assert ack and ack.get("success"), ack
        if resume:
            ack = await self.socket.call("resume", {"lastSeq": resume_from})
            assert ack and ack.get("success"), ack


async def tenants(env: dict[str, str], base: str, count: int, chats: int) -> list[Company]:
    """Companies made through the services (as ``guiders company create`` does), with an
    integration key each, and their visitors' chats made over HTTP."""
    os.environ.update(env)
    from guiders.config import Settings
    from guiders.runtime import Runtime

    runtime = Runtime.build(Settings())
    made: list[tuple[Company, str, str]] = []
    try:
        for i in range(count):
            domain = f"c{i}-{uuid.uuid4().hex[:6]}.bench.example"
            tenant = await runtime.services.onboarding.create_tenant(
                name=f"Bench {i}", domain=domain, admin_email=f"admin@{domain}", site_name=None
            )
            plain, _ = await runtime.services.tenancy.create_api_key(
                tenant.company.id, "bench", live=True
            )
            made.append((Company(str(tenant.company.id), plain), tenant.site.site_key, domain))
    finally:
        await runtime.db.dispose()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for company, site_key, domain in made:
            for _ in range(chats):
                v = await http.post(
                    "/api/auth/visitor/register",
                    json={"apiKey": site_key, "domain": domain, "fingerprint": uuid.uuid4().hex},
                )
                v.raise_for_status()
                token = v.json()["accessToken"]
                chat = await http.post(
                    "/api/v2/chats", json={}, headers={"authorization": f"Bearer {token}"}
                )
                chat.raise_for_status()
                company.chats.append((chat.json()["chatId"], token))
    return [c for c, _, _ in made]


def watches(companies: list[Company], watchers: int) -> list[Watch]:
    out = []
    for index, company in enumerate(companies):
        for chat, token in company.chats:
            out.append(Watch(index, chat, {"token": token}))
            out.extend(Watch(index, chat, {"token": company.key}) for _ in range(watchers))
    return out


def bus_reads(node: Server) -> float:
    text = httpx.get(f"{node.base}/metrics/", timeout=10, follow_redirects=True).text
    return sum(float(v) for _, v in READ.findall(text))


def cpu(nodes: list[Server]) -> float:
    return sum(n.cpu_seconds for n in nodes if n.proc.poll() is None)


class Sender:
    """Posts messages at a fixed rate (open loop) to the nodes in turn."""

    def __init__(self, companies: list[Company], bases: list[str]) -> None:
        self.targets = [(c.key, chat) for c in companies for chat, _ in c.chats]
        self.bases = bases
        self.accepted: list[tuple[str, str]] = []  # (chat, content)
        self.failed = 0
        self._n = 0

    async def run(self, http: httpx.AsyncClient, rate: float, seconds: float) -> None:
        tasks: set[asyncio.Task[None]] = set()
        started = time.perf_counter()
        gate = asyncio.Semaphore(64)
        while (elapsed := time.perf_counter() - started) < seconds:
            due = int(elapsed * rate) + 1
            while self._n < due:
                task = asyncio.create_task(self._one(http, gate, self._n))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self._n += 1
            await asyncio.sleep(1 / rate)
        if tasks:
            await asyncio.gather(*tasks)

    async def _one(self, http: httpx.AsyncClient, gate: asyncio.Semaphore, n: int) -> None:
        key, chat = self.targets[n % len(self.targets)]
        base = self.bases[n % len(self.bases)]
        content = f"m{n}-{uuid.uuid4().hex[:6]}"
        async with gate:
            try:
                r = await http.post(
                    f"{base}/api/v2/chats/{chat}/messages",
                    json={"content": content},
                    headers={"authorization": f"Bearer {key}"},
                )
            except httpx.HTTPError:
                self.failed += 1
                return
        if r.status_code == 201:
            self.accepted.append((chat, content))
        else:
            self.failed += 1


async def drain(ws: list[Watch], expected: int, quiet_s: float = 3.0) -> None:
    """Until every owed event arrived, or nothing more for ``quiet_s``."""
    last, still = -1, time.monotonic()
    while True:
        total = sum(len(w.inbox) for w in ws)
        if total >= expected:
            return
        if total != last:
            last, still = total, time.monotonic()
        elif time.monotonic() - still > quiet_s:
            return
        await asyncio.sleep(0.1)


def tally(
    ws: list[Watch], accepted: list[tuple[str, str]], missing: list[str] | None = None
) -> tuple[int, int, int]:
    """``(delivered, lost, duplicated)`` of the accepted messages; the lost into ``missing``."""
    owed: dict[str, list[str]] = {}
    for chat, content in accepted:
        owed.setdefault(chat, []).append(content)
    delivered = lost = duplicated = 0
    for w in ws:
        counts = Counter(w.inbox)
        mine = owed.get(w.chat, [])
        delivered += sum(1 for c in mine if counts[c])
        lost += sum(1 for c in mine if not counts[c])
        if missing is not None:
            missing.extend(f"{c} (company {w.company})" for c in mine if not counts[c])
        duplicated += sum(n - 1 for n in counts.values() if n > 1)
    return delivered, lost, duplicated


async def settle(nodes: list[Server], most_s: float, quiet_cores: float = 0.05) -> None:
    """Until the nodes are past their start-up work (each under ``quiet_cores`` over a
    second), at most ``most_s``: a node just started migrates, seeds and warms up."""
    deadline = time.monotonic() + most_s
    while time.monotonic() < deadline:
        before = [n.cpu_seconds for n in nodes]
        await asyncio.sleep(1)
        if all(n.cpu_seconds - b < quiet_cores for n, b in zip(nodes, before, strict=True)):
            return


async def committed_since(shared: SharedServices, since: datetime) -> int:
    """Messages committed since ``since``: each is needed by exactly one node (the one holding
    its company's sockets), also when its request timed out on the client's side."""
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        count = await conn.fetchval(
            f"SELECT count(*) FROM {shared.schema}.events "
            "WHERE type = 'message.sent' AND occurred_at >= $1",
            since,
        )
    finally:
        await conn.close()
    return int(count)


async def measure(
    nodes: list[Server], companies: list[Company], args: argparse.Namespace, shared: SharedServices
) -> dict[str, Any]:
    n = len(nodes)
    ws = watches(companies, args.watchers)
    for w in ws:
        w.socket = RawSocket(nodes[w.company % n].base, w.auth, w.on_event)
    await connect_many([w.socket for w in ws if w.socket is not None])
    for w in ws:
        assert w.socket is not None
        ack = await w.socket.call("chat:join", {"chatId": w.chat})
        assert ack and ack.get("success"), ack
    await settle(nodes, args.settle_s)
    idle_before = cpu(nodes)
    await asyncio.sleep(args.idle_s)
    idle_cores = (cpu(nodes) - idle_before) / args.idle_s
    reads_before = [bus_reads(node) for node in nodes]
    sender = Sender(companies, [node.base for node in nodes])
    since = datetime.now(UTC)
    cpu_before, started = cpu(nodes), time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:
        await sender.run(http, args.rate, args.seconds)
    watchers_of = Counter(w.chat for w in ws)
    expected = sum(watchers_of[chat] for chat, _ in sender.accepted)
    await drain(ws, expected, quiet_s=args.quiet_s)
    spent, elapsed = cpu(nodes) - cpu_before, time.perf_counter() - started
    reads = [bus_reads(node) - before for node, before in zip(nodes, reads_before, strict=True)]
    missing: list[str] = []
    delivered, lost, duplicated = tally(ws, sender.accepted, missing)
    if missing:
        print(f"  lost: {', '.join(missing[:12])}", flush=True)
    for w in ws:
        if w.socket is not None:
            await w.socket.close()
    needed = await committed_since(shared, since)
    decoded = sum(reads)
    return {
        "nodes": n,
        "messages": len(sender.accepted),
        "failed": sender.failed,
        "delivered": delivered,
        "cpu_s": spent,
        "cpu_per_1000": spent / delivered * 1000 if delivered else float("nan"),
        "busy_cpu_per_1000": (spent - idle_cores * elapsed) / delivered * 1000
        if delivered
        else float("nan"),
        "idle_cores": idle_cores,
        "decoded": decoded,
        "fan_in": max(0.0, (decoded - needed) / decoded) if decoded else 0.0,
        "lost": lost,
        "duplicated": duplicated,
    }


def line(routing: str, r: dict[str, Any], base: float | None) -> None:
    ratio = f"{r['cpu_per_1000'] / base:5.2f}x" if base else "  1.00x"
    print(
        f"{routing:<8} {r['nodes']} node{'s' if r['nodes'] > 1 else ' '}  "
        f"{r['messages']:>5} msgs {r['delivered']:>6} deliveries  "
        f"CPU {r['cpu_s']:6.2f} s = {r['cpu_per_1000']:6.2f} s/1000 ({ratio} of 1 node; "
        f"{r['busy_cpu_per_1000']:5.2f} without idle)  idle {r['idle_cores']:.3f} cores  "
        f"decoded {r['decoded']:>6.0f} fan-in {r['fan_in']:5.1%}  "
        f"lost {r['lost']} dup {r['duplicated']} failed {r['failed']}",
        flush=True,
    )


def node_env(
    shared: SharedServices, redis: PrivateRedis, routing: str, tmp: Path
) -> dict[str, str]:
    return shared.env | {
        "GUIDERS_DATA_DIR": str(tmp),
        "GUIDERS_REDIS_URL": redis.url,
        "GUIDERS_EVENT_ROUTING": routing,
        "GUIDERS_METRICS_INTERVAL_S": "3600",
    }


async def scaling(
    args: argparse.Namespace, tmp: Path, shared: SharedServices, redis: PrivateRedis
) -> list[Company]:
    companies: list[Company] = []
    for routing in ("shared", "company"):
        nodes: list[Server] = []
        base: float | None = None
        try:
            for count in (1, 2, 4):
                while len(nodes) < count:
                    nodes.append(guiders(tmp, node_env(shared, redis, routing, tmp)))
                if not companies:
                    companies = await tenants(
                        node_env(shared, redis, routing, tmp),
                        nodes[0].base,
                        args.companies,
                        args.chats,
                    )
                r = await measure(nodes, companies, args, shared)
                line(routing, r, base)
                base = base or r["cpu_per_1000"]
        finally:
            for node in nodes:
                node.stop()
    return companies


async def made_once(
    args: argparse.Namespace, tmp: Path, shared: SharedServices, redis: PrivateRedis
) -> list[Company]:
    node = guiders(tmp, node_env(shared, redis, "company", tmp))
    try:
        return await tenants(
            node_env(shared, redis, "company", tmp), node.base, args.companies, args.chats
        )
    finally:
        node.stop()


async def guarantees(
    args: argparse.Namespace,
    tmp: Path,
    shared: SharedServices,
    redis: PrivateRedis,
    companies: list[Company],
) -> None:
    nodes = [guiders(tmp, node_env(shared, redis, "company", tmp)) for _ in range(3)]
    try:
        ws = watches(companies, args.watchers)
        await asyncio.gather(*(w.open(nodes[w.company % 3].base) for w in ws))
        sender = Sender(companies, [n.base for n in nodes])
        async with httpx.AsyncClient(timeout=30) as http:
            load = asyncio.create_task(sender.run(http, args.rate, 3 * args.seconds))
            await asyncio.sleep(args.seconds)
            victim = nodes[0]
            os.kill(victim.proc.pid, signal.SIGKILL)
            victim.proc.wait()
            sender.bases = [n.base for n in nodes[1:]]
            moved = [w for w in ws if w.company % 3 == 0]
            for w in moved:
                if w.socket is not None:
                    await w.socket.close()
            await asyncio.gather(*(w.open(nodes[1].base, resume=True) for w in moved))
            print(f"  killed node 1 (-9); {len(moved)} sockets resumed on node 2", flush=True)
            await asyncio.sleep(args.seconds / 2)
            redis.stop()
            down = time.perf_counter()
            redis.start()
            print(f"  Redis restarted (down {time.perf_counter() - down:.2f} s)", flush=True)
            await load
        watchers_of = Counter(w.chat for w in ws)
        expected = sum(watchers_of[chat] for chat, _ in sender.accepted)
        await drain(ws, expected, quiet_s=max(15.0, args.quiet_s))
        missing: list[str] = []
        delivered, lost, duplicated = tally(ws, sender.accepted, missing)
        if missing:
            print(f"  lost: {', '.join(missing[:12])}", flush=True)
        print(
            f"guarantees: {len(sender.accepted)} accepted messages ({sender.failed} refused or "
            f"cut by the kill), {delivered} of {expected} deliveries, lost {lost}, "
            f"duplicated {duplicated}",
            flush=True,
        )
        for w in ws:
            if w.socket is not None:
                await w.socket.close()
    finally:
        for node in nodes:
            node.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--chats", type=int, default=4, help="chats per company")
    parser.add_argument("--watchers", type=int, default=2, help="staff sockets per chat")
    parser.add_argument("--rate", type=float, default=60, help="messages per second, in all")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--idle-s", type=float, default=3)
    parser.add_argument(
        "--settle-s", type=float, default=40, help="at most this long for new nodes to go quiet"
    )
    parser.add_argument(
        "--quiet-s",
        type=float,
        default=10,
        help="a run ends when nothing more arrived for this long (above the relay's 5 s sweep)",
    )
    parser.add_argument("--skip-guarantees", action="store_true")
    parser.add_argument("--only-guarantees", action="store_true")
    args = parser.parse_args()
    raise_fd_limit()
    sockets = args.companies * args.chats * (1 + args.watchers)
    print(
        f"scale_cpu: {args.companies} companies x {args.chats} chats x {1 + args.watchers} "
        f"sockets = {sockets} sockets, {args.rate:g} messages/s for {args.seconds:g} s per run; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; PostgreSQL {PG_URL}",
        flush=True,
    )
    redis = PrivateRedis()
    redis.start()
    shared = await SharedServices().create()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if args.only_guarantees:
                companies = await made_once(args, Path(tmp), shared, redis)
            else:
                companies = await scaling(args, Path(tmp), shared, redis)
            if not args.skip_guarantees:
                await guarantees(args, Path(tmp), shared, redis, companies)
    finally:
        await shared.drop()
        redis.stop()


if __name__ == "__main__":
    asyncio.run(main())
