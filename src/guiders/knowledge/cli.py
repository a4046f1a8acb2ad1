"""``guiders docs``: the knowledge base of documents the bot answers from.

``evaluate`` runs a public grounded-QA set through the same chunking, retrieval and decision
code as the bot (no LLM); ``score`` measures its predictions on dev labels; ``fit`` refits the
answerability and vagueness models (``models.json``) on dev with cross-validation. Each
command imports what it uses (NumPy, the encoder): every ``guiders`` command imports this module.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click


def _progress(stage: str) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.5:
            return
        last[0] = now
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{stage:<20} {done}/{total}{end}")
        sys.stderr.flush()

    return report


@click.group()
def docs() -> None:
    """Documents the bot answers from: add, list, re-crawl and remove sources, see the
    content gaps (through the API), evaluate on public sets, score, refit the models."""


@docs.command()
@click.option(
    "--corpus",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSONL, one {id, title, text} document a line.",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSONL, one {id, question, history} a line (nothing else is read).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the predictions (JSONL).",
)
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Answerability operating point (default: the fitted one).",
)
def evaluate(corpus: Path, questions: Path, out: Path, threshold: float | None) -> None:
    """Build a knowledge base from CORPUS and answer every question offline, one at a time.

    Writes {"id", "action", "citations", "text", "latency_ms"} a line; progress on stderr.
    """
    from guiders.knowledge.answering import AnswerSettings, GroundedAnswerer
    from guiders.knowledge.evaluation import load_corpus, load_questions
    from guiders.knowledge.index import KnowledgeIndex

    chunks = load_corpus(corpus)
    click.echo(f"{corpus}: {len(chunks)} chunks", err=True)
    index = KnowledgeIndex.build(chunks, progress=_progress("encoding chunks"))
    answerer = GroundedAnswerer(index, AnswerSettings(answer_threshold=threshold))
    items = load_questions(questions)
    report = _progress("answering")
    with out.open("w", encoding="utf-8") as handle:
        for done, item in enumerate(items, 1):
            started = time.perf_counter()
            reply = answerer.reply(item.question, item.history)
            latency = (time.perf_counter() - started) * 1000
            cited = list(dict.fromkeys(c.document_id for c in reply.citations))
            line = {
                "id": item.id,
                "action": reply.action,
                "citations": cited,
                "text": reply.text,
                "latency_ms": round(latency, 2),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            report(done, len(items))
    click.echo(f"wrote {len(items)} predictions to {out}", err=True)


@docs.command(name="score")
@click.option(
    "--predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The same questions WITH labels (answerability, gold_doc_ids).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def score_command(predictions: Path, questions: Path, as_json: bool) -> None:
    """Cited, abstained and clarify rates of PREDICTIONS against labelled QUESTIONS."""
    from guiders.knowledge.evaluation import load_labels, score

    with predictions.open(encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle if line.strip()]
    result = score(lines, load_labels(questions))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "cited": result.cited,
                    "abstained": result.abstained,
                    "clarified": result.clarified,
                    "counts": result.counts,
                }
            )
        )
    else:
        click.echo(f"{result.line()}  {result.counts}")


@docs.command()
@click.option(
    "--set",
    "sets",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    required=True,
    help="A folder with corpus.jsonl and questions_dev.jsonl (repeatable).",
)
@click.option("--write/--no-write", default=True, help="Write models.json into the package.")
def fit(sets: tuple[Path, ...], write: bool) -> None:
    """Refit the answerability and vagueness models on dev sets (cross-validated figures)."""
    from guiders.knowledge.fitting import fit_models

    models, report = fit_models(list(sets), log=lambda s: click.echo(s, err=True))
    click.echo(report)
    if write:
        models.save()
        click.echo("wrote models.json", err=True)
