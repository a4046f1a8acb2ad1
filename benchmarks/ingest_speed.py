"""Ingestion speed: HTML pages per second through the path a crawled page takes after it is
fetched (parse with selectolax, chunk, encode with the bundled MiniLM), in this process, one
thread for the encoder (as the server runs it).

    .venv/bin/python benchmarks/ingest_speed.py [--pages 200] [--threads 1]

The pages are synthetic help-centre articles (a title, three to six sections of two or three
paragraphs, navigation, header and footer), different from one another so nothing is cached.
Prints pages/s and chunks/s for parsing alone and for the whole path, and the share of the
time each stage takes. Network time is not included (a real crawl adds the site's latency).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

if TYPE_CHECKING:
    from guiders.domain.knowledge import KnowledgeDocument

WORDS = [
    "account",
    "billing",
    "invoice",
    "refund",
    "order",
    "shipping",
    "delivery",
    "warranty",
    "password",
    "login",
    "team",
    "member",
    "role",
    "permission",
    "export",
    "report",
    "dashboard",
    "chart",
    "widget",
    "chat",
    "agent",
    "queue",
    "visitor",
    "integration",
    "key",
    "webhook",
    "rule",
    "pipeline",
    "segment",
    "score",
    "conversion",
    "email",
    "template",
    "language",
    "setting",
    "profile",
    "payment",
    "card",
    "transfer",
    "plan",
    "upgrade",
    "downgrade",
    "trial",
    "cancel",
    "support",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def article(rng: random.Random, number: int) -> str:
    sections = []
    for s in range(rng.randint(3, 6)):
        paragraphs = "".join(
            f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(2, 5)))}</p>"
            for _ in range(rng.randint(2, 3))
        )
        sections.append(f"<h2>Section {s} {rng.choice(WORDS)}</h2>{paragraphs}")
    nav = "".join(f'<a href="/a/{rng.randint(0, 999)}">link</a>' for _ in range(20))
    return (
        f"<html><head><title>Article {number}</title></head><body>"
        f"<header><nav>{nav}</nav></header><main><h1>Article {number}: "
        f"{rng.choice(WORDS)}</h1>{''.join(sections)}</main>"
        f"<footer><p>Copyright, links, cookies.</p></footer></body></html>"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()

    import torch

    from guiders.ingest.indexing import encode, engine_chunks
    from guiders.ingest.parsers import parse

    torch.set_num_threads(args.threads)
    rng = random.Random(7)
    pages = [article(rng, i).encode() for i in range(args.pages)]
    volume = sum(len(p) for p in pages)
    encode(engine_chunks(_doc("warm-up"), parse(pages[0], "text/html", "x")))  # load the model

    started = time.perf_counter()
    parsed = [
        parse(p, "text/html; charset=utf-8", f"https://x.test/{i}") for i, p in enumerate(pages)
    ]
    parse_s = time.perf_counter() - started

    started = time.perf_counter()
    chunks = [engine_chunks(_doc(f"https://x.test/{i}"), doc) for i, doc in enumerate(parsed)]
    chunk_s = time.perf_counter() - started
    flat = [c for page in chunks for c in page]

    started = time.perf_counter()
    for page in chunks:  # a document at a time, as ingestion does
        encode(page)
    encode_s = time.perf_counter() - started

    total = parse_s + chunk_s + encode_s
    print(
        f"{args.pages} HTML pages, {volume / 1e6:.1f} MB, {len(flat)} chunks, "
        f"torch threads {args.threads}"
    )
    print(f"parse only        {args.pages / parse_s:8.1f} pages/s")
    print(f"parse+chunk+encode{args.pages / total:8.1f} pages/s  {len(flat) / total:8.1f} chunks/s")
    print(
        f"time: parse {parse_s / total:.0%}, chunk {chunk_s / total:.0%}, "
        f"encode {encode_s / total:.0%}"
    )


def _doc(url: str) -> KnowledgeDocument:
    from guiders.domain.knowledge import DocumentStatus, KnowledgeDocument

    return KnowledgeDocument(
        id=uuid.uuid4(),
        source_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        key=url,
        url=url,
        title=url,
        status=DocumentStatus.QUEUED,
        updated_at=datetime.now(UTC),
    )


if __name__ == "__main__":
    main()
