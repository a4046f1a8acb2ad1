"""Delivered events per second with two server nodes sharing PostgreSQL and Redis, against one
node with the same configuration, with the count of events lost and duplicated; and the same for
the bare python-socketio baseline with its Redis manager (benchmarks/bare_socketio.py), in the
same run.

Layout: ``--chats`` chats, each watched by its visitor and 4 staff-side sockets, spread evenly
over the nodes. ``--clients`` closed-loop senders post messages for ``--seconds``, spread over the
nodes. Every accepted message owes one ``message:new`` to each socket in its chat: what never
arrives is lost, what arrives twice is duplicated.

    .venv/bin/python benchmarks/two_nodes.py [--chats 50] [--clients 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eio_client import RawSocket, connect_many
from processes import (
    REDIS_URL,
    Server,
    SharedServices,
    bare,
    credentials,
    guiders,
    machine_busy_seconds,
    raise_fd_limit,
)

WATCHERS = 4


@dataclass
class Run:
    chats: list[str]
    received: list[list[str]] = field(default_factory=list)
    sockets: list[tuple[RawSocket, str]] = field(default_factory=list)

    def socket(self, base: str, auth: dict[str, Any], chat: str) -> RawSocket:
        inbox: list[str] = []
        self.received.append(inbox)

        def on_event(name: str, data: Any, _: float) -> None:
            if name == "message:new":
                inbox.append(data["content"])

        s = RawSocket(base, auth, on_event)
        self.sockets.append((s, chat))
        return s


async def guiders_chats(base: str, creds: dict[str, Any], count: int) -> list[tuple[str, str]]:
    """``(chatId, visitor token)`` for ``count`` new chats."""
    out = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for _ in range(count):
            v = (
                await http.post(
                    "/api/auth/visitor/register",
                    json={
                        "apiKey": creds["siteKey"],
                        "domain": "localhost",
                        "fingerprint": uuid.uuid4().hex,
                    },
                )
            ).json()
            headers = {"authorization": f"Bearer {v['accessToken']}"}
            chat = (await http.post("/api/v2/chats", json={}, headers=headers)).json()["chatId"]
            out.append((chat, v["accessToken"]))
    return out


async def drive(
    run: Run, nodes: list[Server], headers: dict[str, str], clients: int, seconds: float
) -> dict[str, Any]:
    """Send for ``seconds``; also counts the CPU the nodes used while sending, since on a small
    machine two nodes compete with the load generator, PostgreSQL and Redis for the cores."""
    bases = [n.base for n in nodes]
    await connect_many([s for s, _ in run.sockets])
    for s, chat in run.sockets:
        ack = await s.call("chat:join", {"chatId": chat})
        assert ack and ack.get("success"), ack
    accepted: list[tuple[str, str]] = []
    counter = itertools.count()
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        deadline = time.perf_counter() + seconds

        async def sender(i: int) -> None:
            while time.perf_counter() < deadline:
                n = next(counter)
                chat = run.chats[n % len(run.chats)]
                base = bases[n % len(bases)]
                content = f"m{n}"
                r = await http.post(
                    f"{base}/api/v2/chats/{chat}/messages",
                    json={"content": content},
                    headers=headers,
                )
                if r.status_code == 201:
                    accepted.append((chat, content))

        started = time.perf_counter()
        node_cpu = sum(n.cpu_seconds for n in nodes)
        machine = machine_busy_seconds()
        own = time.process_time()
        await asyncio.gather(*(sender(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
        node_cpu = sum(n.cpu_seconds for n in nodes) - node_cpu
        own = time.process_time() - own
        busy, ticks = (b - a for a, b in zip(machine, machine_busy_seconds(), strict=True))
    watchers = Counter(chat for _, chat in run.sockets)
    expected = sum(watchers[chat] for chat, _ in accepted)
    before, waited = -1, 0.0
    while waited < 10:  # drain: until nothing more arrives for a second
        total = sum(len(inbox) for inbox in run.received)
        if total == before or total >= expected:
            if total >= expected:
                break
            await asyncio.sleep(1)
            waited += 1
            if sum(len(inbox) for inbox in run.received) == total:
                break
        before = total
        await asyncio.sleep(0.2)
        waited += 0.2
    sent_to = dict(accepted)
    lost = duplicated = delivered = 0
    for (_, chat), inbox in zip(run.sockets, run.received, strict=True):
        counts = Counter(inbox)
        owed = [c for c, ch in sent_to.items() if ch == chat]
        lost += sum(1 for c in owed if counts[c] == 0)
        duplicated += sum(n - 1 for n in counts.values() if n > 1)
        delivered += len(inbox)
    for s, _ in run.sockets:
        await s.close()
    return {
        "messages": len(accepted),
        "msg_per_s": len(accepted) / elapsed,
        "delivered_per_s": delivered / elapsed,
        "delivered_per_node_cpu_s": delivered / node_cpu if node_cpu else float("nan"),
        "node_cores": node_cpu / elapsed,
        "generator_cores": own / elapsed,
        "machine_busy": busy / ticks if ticks else float("nan"),
        "lost": lost,
        "duplicated": duplicated,
    }


def line(name: str, nodes: int, r: dict[str, Any]) -> None:
    print(
        f"{name:<8} {nodes} node{'s' if nodes > 1 else ' '}  {r['messages']:>6} messages "
        f"({r['msg_per_s']:7.0f}/s)  delivered {r['delivered_per_s']:8.0f} events/s  "
        f"lost {r['lost']}  duplicated {r['duplicated']}\n"
        f"{'':<8} {'':<7}  nodes used {r['node_cores']:.2f} cores, load generator "
        f"{r['generator_cores']:.2f}, machine "
        f"{r['machine_busy']:.0%} busy; {r['delivered_per_node_cpu_s']:8.0f} events per node "
        "CPU-second",
        flush=True,
    )


async def guiders_runs(args: argparse.Namespace, tmp: Path) -> dict[int, dict[str, Any]]:
    shared = await SharedServices().create()
    nodes: list[Server] = []
    results = {}
    try:
        nodes.append(guiders(tmp, shared.env))
        creds = credentials(tmp)
        key = {"authorization": f"Bearer {creds['integrationKey']}"}
        for count in (1, 2):
            if count == 2:
                nodes.append(guiders(tmp, shared.env))
            chats = await guiders_chats(nodes[0].base, creds, args.chats)
            run = Run([c for c, _ in chats])
            for i, (chat, token) in enumerate(chats):
                for j in range(1 + WATCHERS):
                    node = nodes[(i + j) % count]
                    auth = {"token": token if j == 0 else creds["integrationKey"]}
                    run.socket(node.base, auth, chat)
            results[count] = await drive(run, nodes, key, args.clients, args.seconds)
            line("guiders", count, results[count])
    finally:
        for node in nodes:
            node.stop()
        await shared.drop()
    return results


async def bare_runs(args: argparse.Namespace) -> dict[int, dict[str, Any]]:
    env = {"BARE_REDIS_URL": REDIS_URL, "BARE_CHANNEL": f"bench{uuid.uuid4().hex[:8]}"}
    nodes: list[Server] = []
    results = {}
    try:
        for count in (1, 2):
            nodes.append(bare(env))
            run = Run([str(uuid.uuid4()) for _ in range(args.chats)])
            for i, chat in enumerate(run.chats):
                for j in range(1 + WATCHERS):
                    run.socket(nodes[(i + j) % count].base, {}, chat)
            results[count] = await drive(run, nodes, {}, args.clients, args.seconds)
            line("bare", count, results[count])
    finally:
        for node in nodes:
            node.stop()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--clients", type=int, default=16, help="concurrent senders")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    raise_fd_limit()
    print(
        f"two nodes: {args.chats} chats x {1 + WATCHERS} sockets, {args.clients} senders, "
        f"{args.seconds:g} s per run; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    b = await bare_runs(args)
    with tempfile.TemporaryDirectory() as tmp:
        g = await guiders_runs(args, Path(tmp))
    g_ratio = g[2]["delivered_per_s"] / g[1]["delivered_per_s"]
    b_ratio = b[2]["delivered_per_s"] / b[1]["delivered_per_s"]
    g_cpu = g[2]["delivered_per_node_cpu_s"] / g[1]["delivered_per_node_cpu_s"]
    b_cpu = b[2]["delivered_per_node_cpu_s"] / b[1]["delivered_per_node_cpu_s"]
    print(
        f"events per node CPU-second, two/one  guiders {g_cpu:.2f}x  bare {b_cpu:.2f}x  "
        "(1.0x: a second node costs no extra CPU per event, so with a core of its own it "
        "would double the rate)"
    )
    print(
        f"ratio two/one  guiders {g_ratio:.2f}x  bare {b_ratio:.2f}x  "
        f"(target >= 1.7x with 0 lost and 0 duplicated: "
        f"{'met' if g_ratio >= 1.7 and not (g[2]['lost'] or g[2]['duplicated']) else 'NOT met'})"
    )


if __name__ == "__main__":
    asyncio.run(main())
