"""Answering from documents on the public dev sets: the BM25 baseline and ours, in one run.

For each set in ``data/grounded/`` (MTRAG-UN, CLAPNQ; dev questions only, the test splits are
held out), prints:
  * the BM25 baseline of the issue: bm25s defaults over the whole corpus, the last turn as the
    query, one threshold on the top score picked on dev (the most cited questions among the
    thresholds that abstain on at least 67 % / 54 % of the unanswerable, the issue's floors);
  * ours: ``GroundedAnswerer.reply`` exactly as ``guiders docs evaluate`` runs it (no LLM),
    at the shipped operating point, with cited, abstained, clarify rate on UNDERSPECIFIED and
    p50/p95 latency per question (wall, and the CPU time of this process, which other work on a
    busy shared machine does not inflate);
and, once: ingestion speed (chunks/s through ``chunk_document`` + ``encode_chunks``) and the
index's memory for 10,000 chunks.

The process runs on one core (CPU 1) with one torch thread. The ours figures use models
fitted on these same dev questions: the cross-validated figures are ``guiders docs fit``'s.

    .venv/bin/python benchmarks/grounded.py [--sets mtrag-un clapnq] [--vector-cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from guiders.knowledge.answering import GroundedAnswerer  # noqa: E402
from guiders.knowledge.chunks import Chunk, chunk_document, sections_from_text  # noqa: E402
from guiders.knowledge.evaluation import (  # noqa: E402
    ANSWERABLE,
    load_corpus,
    load_labels,
    load_questions,
    score,
)
from guiders.knowledge.index import FloatArray, KnowledgeIndex, encode_chunks  # noqa: E402

DATA = ROOT / "data" / "grounded"
ABSTAIN_FLOOR = {"mtrag-un": 0.67, "clapnq": 0.54}


def pin_to_one_core() -> None:
    import torch

    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    torch.set_num_threads(1)


def vectors_for(chunks: list[Chunk], cache: Path | None) -> FloatArray:
    if cache is None:
        return encode_chunks(chunks)
    digest = hashlib.sha256("\n".join(c.id + c.indexed_text for c in chunks).encode())
    path = cache / f"{digest.hexdigest()[:16]}.npy"
    if path.exists():
        loaded: FloatArray = np.load(path)
        return loaded
    vectors = encode_chunks(chunks)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def baseline(folder: Path) -> str:
    import json

    import bm25s

    docs = [json.loads(line) for line in (folder / "corpus.jsonl").open()]
    ids = [str(d["id"]) for d in docs]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([d["text"] for d in docs], show_progress=False), show_progress=False
    )
    labels = load_labels(folder / "questions_dev.jsonl")
    rows = []
    for q in load_questions(folder / "questions_dev.jsonl"):
        tokens = bm25s.tokenize(q.question, return_ids=False, show_progress=False)[0]
        known = [t for t in tokens if t in retriever.vocab_dict]
        scores = retriever.get_scores(known) if known else np.zeros(len(ids))
        best = int(np.argmax(scores))
        rows.append((q.id, float(scores[best]), ids[best]))
    best_line, best_cited = "", -1.0
    for threshold in sorted({s for _, s, _ in rows}):
        predictions = [
            {"id": i, "action": "answer" if s >= threshold else "handoff", "citations": [d]}
            for i, s, d in rows
        ]
        result = score(predictions, labels)
        if result.abstained >= ABSTAIN_FLOOR[folder.name] and result.cited > best_cited:
            best_cited = result.cited
            best_line = f"{result.line()}  (top BM25 score >= {threshold:.2f})"
    return best_line


def ours(folder: Path, cache: Path | None) -> str:
    chunks = load_corpus(folder / "corpus.jsonl")
    index = KnowledgeIndex.build(chunks, vectors_for(chunks, cache))
    answerer = GroundedAnswerer(index)
    answerer.reply("warm up the encoder trace", [])
    predictions, wall, cpu, first_ok = [], [], [], []
    labels = load_labels(folder / "questions_dev.jsonl")
    for q in load_questions(folder / "questions_dev.jsonl"):
        started, started_cpu = time.perf_counter(), time.process_time()
        reply = answerer.reply(q.question, q.history)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        cited = list(dict.fromkeys(c.document_id for c in reply.citations))
        predictions.append({"id": q.id, "action": reply.action, "citations": cited})
        if labels[q.id].answerability in ANSWERABLE:  # retrieval alone, outside the timing
            hits = answerer.retrieve(q.question, q.history)[0].hits
            first_ok.append(bool(hits) and hits[0].chunk.document_id in labels[q.id].gold)
    result = score(predictions, labels)
    return (
        f"{result.line()}\n    retrieval: first document gold for {np.mean(first_ok):.3f} of "
        f"the answerable ({len(chunks)} chunks)\n    latency per question: wall p50 "
        f"{statistics.median(wall):.1f} ms p95 {np.percentile(wall, 95):.1f} ms; CPU time p50 "
        f"{statistics.median(cpu):.1f} ms p95 {np.percentile(cpu, 95):.1f} ms"
    )


def ingestion(folder: Path, documents: int = 150) -> str:
    import json

    lines = [json.loads(line) for line in (folder / "corpus.jsonl").open()][:documents]
    started = time.perf_counter()
    chunks: list[Chunk] = []
    for d in lines:
        chunks.extend(chunk_document(d["id"], d["title"], None, sections_from_text(d["text"])))
    encode_chunks(chunks)
    seconds = time.perf_counter() - started
    return (
        f"{len(lines)} documents -> {len(chunks)} chunks in {seconds:.1f} s: "
        f"{len(chunks) / seconds:.1f} chunks/s, {len(lines) / seconds:.1f} documents/s"
    )


def memory(folder: Path, target: int = 10_000) -> str:
    import tracemalloc

    base = load_corpus(folder / "corpus.jsonl")
    chunks = [
        Chunk(f"{c.id}~{n}", f"{c.document_id}~{n}", c.title, c.url, c.heading_path, c.text, 0)
        for n in range(target // len(base) + 1)
        for c in base
    ][:target]
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(chunks), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    tracemalloc.start()
    index = KnowledgeIndex.build(chunks, vectors)
    traced, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    index.with_document(chunks[:5], vectors[:5])
    rebuild = time.perf_counter() - started
    return (
        f"{len(chunks)} chunks: index {index.memory_bytes() / 2**20:.1f} MiB by its own count, "
        f"{traced / 2**20:.1f} MiB allocated by building it from given vectors (peak "
        f"{peak / 2**20:.1f} MiB); "
        f"replacing one document rebuilds BM25 in {rebuild * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["mtrag-un", "clapnq"])
    parser.add_argument(
        "--vector-cache",
        type=Path,
        default=ROOT / "var" / "bench-vectors",
        help="Reuse chunk vectors across runs (ingestion is timed separately).",
    )
    args = parser.parse_args()
    pin_to_one_core()
    print("grounded answering, dev questions (test splits held out); one core, 1 torch thread")
    print(
        f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times "
        "include waiting for the CPU; CPU time is this process's own work"
    )
    for name in args.sets:
        folder = DATA / name
        print(f"{name} (dev)")
        print(f"  BM25 baseline: {baseline(folder)}")
        print(f"  ours:          {ours(folder, args.vector_cache)}")
    print(f"ingestion (chunk + encode, MTRAG-UN texts): {ingestion(DATA / 'mtrag-un')}")
    print(f"memory: {memory(DATA / 'mtrag-un')}")


if __name__ == "__main__":
    main()
