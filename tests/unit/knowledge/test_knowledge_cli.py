from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.unit.knowledge.corpus_fixtures import DOCUMENTS

from guiders.cli import main

QUESTIONS = [
    {"id": "q1", "question": "How do I revoke an API key?", "history": []},
    {
        "id": "q2",
        "question": "how do I create one?",
        "history": [
            {"speaker": "user", "text": "I need an API key"},
            {"speaker": "agent", "text": "Sure, what do you want to know?"},
        ],
    },
    {"id": "q3", "question": "Who won the football world cup in 1966?", "history": []},
]
# What a labelled file carries besides the question: none of it may change a prediction.
MISLEADING = {
    "q1": {
        "answerability": "UNANSWERABLE",
        "gold_doc_ids": ["invoices"],
        "reference_answer": "Invoices are emailed monthly.",
        "domain": "clapnq",
    },
    "q2": {"answerability": "UNDERSPECIFIED", "gold_doc_ids": ["shipping"]},
    "q3": {
        "answerability": "ANSWERABLE",
        "gold_doc_ids": ["returns"],
        "reference_answer": "England won it.",
    },
}


def _write(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def _evaluate(tmp_path: Path, corpus: Path, questions: Path, name: str) -> list[dict[str, object]]:
    out = tmp_path / name
    result = CliRunner().invoke(
        main,
        [
            "docs",
            "evaluate",
            "--corpus",
            str(corpus),
            "--questions",
            str(questions),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_evaluate_writes_one_prediction_a_question_and_reads_only_id_question_history(
    tmp_path: Path,
) -> None:
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [{"id": k, "title": t, "text": x} for k, (t, x) in DOCUMENTS.items()],
    )
    plain = _evaluate(tmp_path, corpus, _write(tmp_path / "q.jsonl", QUESTIONS), "plain.jsonl")
    labelled = [q | MISLEADING[str(q["id"])] for q in QUESTIONS]
    misled = _evaluate(tmp_path, corpus, _write(tmp_path / "l.jsonl", labelled), "misled.jsonl")

    assert [p["id"] for p in plain] == ["q1", "q2", "q3"]
    for p in plain:
        assert set(p) == {"id", "action", "citations", "text", "latency_ms"}
        assert p["action"] in {"answer", "handoff", "clarify"}
        assert isinstance(p["latency_ms"], float)
        assert len(p["citations"]) == len(set(p["citations"]))  # type: ignore[arg-type]
    assert plain[0]["action"] == "answer" and plain[0]["citations"][0] == "api-keys"  # type: ignore[index]
    assert plain[2]["action"] == "handoff" and plain[2]["citations"] == []

    def without_latency(items: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in p.items() if k != "latency_ms"} for p in items]

    assert without_latency(misled) == without_latency(plain)


def test_score_measures_cited_abstained_and_clarify(tmp_path: Path) -> None:
    labels = _write(
        tmp_path / "labels.jsonl",
        [
            {"id": "a", "question": "x", "answerability": "ANSWERABLE", "gold_doc_ids": ["d1"]},
            {"id": "b", "question": "x", "answerability": "PARTIAL", "gold_doc_ids": ["d2"]},
            {"id": "c", "question": "x", "answerability": "UNANSWERABLE", "gold_doc_ids": []},
            {"id": "d", "question": "x", "answerability": "UNDERSPECIFIED", "gold_doc_ids": []},
        ],
    )
    predictions = _write(
        tmp_path / "p.jsonl",
        [
            {"id": "a", "action": "answer", "citations": ["d1", "d9"], "text": "", "latency_ms": 1},
            {"id": "b", "action": "answer", "citations": ["d9", "d2"], "text": "", "latency_ms": 1},
            {"id": "c", "action": "clarify", "citations": [], "text": "", "latency_ms": 1},
            {"id": "d", "action": "clarify", "citations": [], "text": "", "latency_ms": 1},
        ],
    )
    result = CliRunner().invoke(
        main,
        ["docs", "score", "--predictions", str(predictions), "--questions", str(labels), "--json"],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert (figures["cited"], figures["abstained"], figures["clarified"]) == (0.5, 1.0, 1.0)


def test_docs_has_help() -> None:
    result = CliRunner().invoke(main, ["docs", "evaluate", "--help"])
    assert result.exit_code == 0
    assert "--corpus" in result.output and "--questions" in result.output
