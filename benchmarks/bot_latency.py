"""Bot latency: decision + reply for 1,000 visitor messages, delays at 0, against a real
``guiders up`` server (SQLite, bot off in the server) with the bot in this process talking
to it through GuidersClient, exactly as ``guiders bot`` does.

Prints p50/p95/p99 of three timings per visitor message:
  * decision + reply: the bot's whole handling of one message:new (classify, decide, answer
    or escalate, typing start/stop, the reply POSTed and stored), measured around it;
  * processingTime: decision + answer only, as the bot reports it in the reply's metadata;
  * visitor round trip: the visitor's POST until the reply arrives on a Socket.IO client;
  * decision only: language, classification and the decision, in-process without I/O (the
    floor the bot's own work sets).

    .venv/bin/python benchmarks/bot_latency.py [--messages 1000] [--per-chat 5] [--kb DIR]

Questions cycle through the demo KB's questions, one in ten out of scope or with a keyword; a
chat ends at its first escalation (it then waits for an agent and the bot stays quiet in it) or
after --per-chat messages. No agent is online, so escalations end as "pending".
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.e2e.server import ServerProcess  # noqa: E402

from guiders.ai.kb_data import load_data  # noqa: E402
from guiders.bot.decision import decide  # noqa: E402
from guiders.bot.knowledge import ensure_kb  # noqa: E402
from guiders.bot.language import detect_language  # noqa: E402
from guiders.bot.runner import build_bot  # noqa: E402
from guiders.bot.settings import DEMO_KB, BotSettings  # noqa: E402
from guiders.client import GuidersClient, Message  # noqa: E402

KEYWORDS = ["¿precio?", "quiero una cotización", "it's urgent", "sales please"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} n={len(values):<5} p50 {pct(values, 50):7.2f}  p95 {pct(values, 95):7.2f}"
        f"  p99 {pct(values, 99):7.2f}  max {max(values):7.2f}"
        f"  mean {statistics.fmean(values):6.2f} ms"
    )


def questions() -> Iterator[str]:
    """Held-out and training questions of the demo KB; every tenth one out of scope or a
    keyword, which the bot escalates."""
    data = load_data(DEMO_KB)
    in_scope = [t for t, _ in data.split("test")] + [t for t, _ in data.split("train")][::3]
    escalating = [t for t, _ in data.split("oos_test")] + KEYWORDS
    for n in itertools.count():
        if n % 10 == 9:
            yield escalating[(n // 10) % len(escalating)]
        else:
            yield in_scope[n % len(in_scope)]


async def run(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bot-bench-"))
    server = ServerProcess(data_dir)
    server.start()
    creds = server.credentials()
    key = creds["integrationKey"]
    kb = await asyncio.to_thread(ensure_kb, args.kb or data_dir / "models" / "demo_kb", DEMO_KB)
    settings = BotSettings(
        response_delay_ms=0, typing_ms_per_char=0, max_messages_before_escalation=args.per_chat
    )
    bot = build_bot(server.base, key, settings, kb)
    handling: list[float] = []
    handle = bot._on_visitor_message

    async def timed(chat_id: str, message: Message) -> None:
        started = time.perf_counter()
        await handle(chat_id, message)
        handling.append((time.perf_counter() - started) * 1000)

    bot._on_visitor_message = timed  # type: ignore[method-assign]
    watch = GuidersClient(server.base, key)
    loop = asyncio.get_running_loop()
    waiting: defaultdict[str, asyncio.Future[tuple[float, Message]]] = defaultdict(
        loop.create_future
    )

    async def on_message(event: dict[str, Any]) -> None:
        meta = event.get("metadata") or {}
        welcome = f"welcome:{event['chatId']}" if meta.get("isWelcome") else None
        target = meta.get("replyTo") or welcome
        if target and not waiting[target].done():
            waiting[target].set_result((time.perf_counter(), Message.model_validate(event)))

    watch.on("message:new", on_message)
    round_trips: list[float] = []
    processing: list[float] = []
    kinds: dict[str, int] = {}
    try:
        await bot.start()
        await watch.connect()
        async with httpx.AsyncClient(base_url=server.base, timeout=15) as http:
            texts = questions()
            total = args.messages + args.warmup
            sent = chats = 0
            while sent < total:
                chats += 1
                reg = (
                    await http.post(
                        "/api/auth/visitor/register",
                        json={
                            "apiKey": creds["siteKey"],
                            "domain": "localhost",
                            "fingerprint": f"b{chats}",
                        },
                    )
                ).json()
                headers = {"authorization": f"Bearer {reg['accessToken']}"}
                r = await http.post(
                    "/api/v2/chats", json={"visitorInfo": {"name": "Bench"}}, headers=headers
                )
                chat_id = r.json()["chatId"]
                await watch.join_chat(chat_id)
                await asyncio.wait_for(waiting[f"welcome:{chat_id}"], 15)
                for _ in range(args.per_chat):
                    started = time.perf_counter()
                    r = await http.post(
                        f"/api/v2/chats/{chat_id}/messages",
                        json={"content": next(texts)},
                        headers=headers,
                    )
                    arrived, answer = await asyncio.wait_for(waiting[r.json()["id"]], 15)
                    sent += 1
                    meta = answer.metadata
                    escalated = bool(meta.get("isEscalationPending"))
                    if sent > args.warmup:
                        round_trips.append((arrived - started) * 1000)
                        kind = (
                            f"escalated ({meta['escalationReason']})" if escalated else "answered"
                        )
                        kinds[kind] = kinds.get(kind, 0) + 1
                        if "processingTime" in meta:
                            processing.append(float(meta["processingTime"]))
                    if escalated or sent >= total:
                        break  # the chat now waits for an agent; the bot stays quiet in it
        await bot.idle()
    finally:
        await bot.stop()
        await bot.client.aclose()
        await watch.aclose()
        server.stop()
    texts = questions()
    decision_only: list[float] = []
    for _ in range(args.messages):
        text = next(texts)
        started = time.perf_counter()
        found = kb.classify(text, detect_language(text))
        decide(
            text,
            0,
            found,
            keywords=settings.escalation_keywords,
            max_messages=settings.max_messages_before_escalation,
            threshold=settings.auto_respond_threshold,
        )
        decision_only.append((time.perf_counter() - started) * 1000)
    measured = handling[args.warmup :]
    print(f"bot latency, delays 0, {len(measured)} visitor messages after {args.warmup} warm-up")
    load = os.getloadavg()[0]
    print(f"{chats} chats; replies: {kinds}; load {load:.1f} on {os.cpu_count()} CPUs")
    print(line("decision + reply (bot handling)", measured))
    print(line("processingTime (decision+answer)", processing))
    print(line("decision only (in-process, no I/O)", decision_only))
    print(line("visitor POST -> reply on socket", round_trips))
    print(
        json.dumps({"p50_ms": round(pct(measured, 50), 2), "p95_ms": round(pct(measured, 95), 2)})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--per-chat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--kb", type=Path, default=None, help="trained KB dir (trained if missing)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
