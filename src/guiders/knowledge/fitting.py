"""Fitting the answerability and vagueness models on dev sets, with cross-validation.

Every dev question of every set goes through the real retrieval; its features and two labels
(answering would cite a gold passage first; the question is UNDERSPECIFIED) train two logistic
regressions. Folds keep a conversation's turns together (MTRAG-UN ids are
``conversation<::>turn``). The operating points are chosen on the out-of-fold probabilities,
and the figures reported are those out-of-fold figures, never the fit on the same questions;
the shipped models are then refitted on all dev questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from guiders.knowledge.answerability import FEATURES, LogisticModel, Models, features
from guiders.knowledge.evaluation import ANSWERABLE, load_corpus, load_labels, load_questions
from guiders.knowledge.index import FloatArray, KnowledgeIndex, encode_chunks

VAGUE_FEATURES = (
    "dense_top",
    "coverage",
    "terms",
    "has_context",
    "vague_markers",
    "close_titles",
    "fused_gap",
    "lexical_share",
)
ABSTAIN_FLOOR = 0.70  # the held-out goal for both sets
# Strong L2 regularisation: a few hundred questions, correlated features (C chosen by
# cross-validation among 0.03, 0.05, 0.1, 0.3, 1 and 3).
REGULARISATION_C = 0.1
CLARIFY_ANSWERABLE_CAP = 0.04  # clarify at most this share of answerable questions


@dataclass
class Example:
    set_name: str
    group: str
    label: str
    gold: frozenset[str]
    values: dict[str, float]
    first: str | None


def collect(
    folder: Path,
    vectors: FloatArray | None = None,
    log: Callable[[str], None] = print,
    index: KnowledgeIndex | None = None,
) -> tuple[list[Example], KnowledgeIndex]:
    """The dev questions of one set through retrieval: features, labels, first document."""
    from guiders.knowledge.answering import GroundedAnswerer

    if index is None:
        chunks = load_corpus(folder / "corpus.jsonl")
        if vectors is None:
            log(f"{folder.name}: encoding {len(chunks)} chunks")
            vectors = encode_chunks(chunks)
        index = KnowledgeIndex.build(chunks, vectors)
    answerer = GroundedAnswerer.__new__(GroundedAnswerer)
    from guiders.knowledge.answering import AnswerSettings

    answerer.index, answerer.settings = index, AnswerSettings()
    labels = load_labels(folder / "questions_dev.jsonl")
    out = []
    for q in load_questions(folder / "questions_dev.jsonl"):
        retrieval, context = answerer.retrieve(q.question, q.history)
        first = retrieval.hits[0].chunk.document_id if retrieval.hits else None
        label = labels[q.id]
        out.append(
            Example(
                folder.name,
                f"{folder.name}:{q.id.split('<::>')[0]}",
                label.answerability,
                label.gold,
                features(q.question, retrieval, bool(context)),
                first,
            )
        )
    return out, index


def _fit(x: np.ndarray, y: np.ndarray, names: Sequence[str], c: float) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return LogisticModel(
        tuple(names),
        tuple(mean.tolist()),
        tuple(scale.tolist()),
        tuple(model.coef_[0].tolist()),
        float(model.intercept_[0]),
    )


def _matrix(examples: Sequence[Example], names: Sequence[str]) -> np.ndarray:
    return np.array([[e.values[n] for n in names] for e in examples], dtype=np.float64)


def _labels(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    good = np.array([e.label in ANSWERABLE and e.first in e.gold for e in examples], dtype=int)
    vague = np.array([e.label == "UNDERSPECIFIED" for e in examples], dtype=int)
    return good, vague


def out_of_fold(
    examples: Sequence[Example], folds: int = 5, c: float = REGULARISATION_C, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold answerability and vagueness probabilities, grouped by conversation."""
    from sklearn.model_selection import StratifiedGroupKFold

    good, vague = _labels(examples)
    groups = np.array([e.group for e in examples])
    strata = np.array([f"{e.set_name}:{e.label}" for e in examples])
    p_good, p_vague = np.zeros(len(examples)), np.zeros(len(examples))
    xa, xv = _matrix(examples, FEATURES), _matrix(examples, VAGUE_FEATURES)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(xa, strata, groups):
        answer_rows = train[vague[train] == 0]  # answerability is learnt on clear questions
        ma = _fit(xa[answer_rows], good[answer_rows], FEATURES, c)
        mv = _fit(xv[train], vague[train], VAGUE_FEATURES, c)
        p_good[test] = [ma.probability(dict(zip(FEATURES, r, strict=True))) for r in xa[test]]
        p_vague[test] = [
            mv.probability(dict(zip(VAGUE_FEATURES, r, strict=True))) for r in xv[test]
        ]
    return p_good, p_vague


def rates(
    examples: Sequence[Example],
    p_good: np.ndarray,
    p_vague: np.ndarray,
    t_answer: float,
    t_clarify: float,
) -> dict[str, tuple[float, float, float | None]]:
    """Per set: (cited, abstained, clarify rate on UNDERSPECIFIED) at these thresholds."""
    out = {}
    for name in dict.fromkeys(e.set_name for e in examples):
        idx = [i for i, e in enumerate(examples) if e.set_name == name]
        cited = ans = unans = abst = vague = clar = 0
        for i in idx:
            e = examples[i]
            action = (
                "clarify"
                if p_vague[i] >= t_clarify
                else "answer"
                if p_good[i] >= t_answer
                else "handoff"
            )
            if e.label in ANSWERABLE:
                ans += 1
                cited += action == "answer" and e.first in e.gold
            elif e.label == "UNANSWERABLE":
                unans += 1
                abst += action != "answer"
            else:
                vague += 1
                clar += action == "clarify"
        out[name] = (cited / max(ans, 1), abst / max(unans, 1), clar / vague if vague else None)
    return out


def choose_thresholds(
    examples: Sequence[Example], p_good: np.ndarray, p_vague: np.ndarray
) -> tuple[float, float]:
    """Clarify: the lowest threshold that clarifies at most ``CLARIFY_ANSWERABLE_CAP`` of the
    answerable questions. Answer: the one threshold, for every set, with the most cited
    questions among those that abstain on at least ``ABSTAIN_FLOOR`` of the unanswerable."""
    answerable = np.array([e.label in ANSWERABLE for e in examples])
    t_clarify = 1.0
    for t in np.linspace(0.05, 0.95, 91):
        if (p_vague[answerable] >= t).mean() <= CLARIFY_ANSWERABLE_CAP:
            t_clarify = float(t)
            break
    best, t_answer = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 181):
        r = rates(examples, p_good, p_vague, float(t), t_clarify)
        if all(a >= ABSTAIN_FLOOR for _, a, _ in r.values()):
            total = sum(c for c, _, _ in r.values())
            if total > best:
                best, t_answer = total, float(t)
    return round(t_answer, 3), round(t_clarify, 3)


def fit_models(
    folders: Sequence[Path],
    log: Callable[[str], None] = print,
    c: float = REGULARISATION_C,
    indexes: dict[str, KnowledgeIndex] | None = None,
) -> tuple[Models, str]:
    """Both models fitted on every dev question of ``folders``, and the report of their
    cross-validated figures; ``indexes`` (by folder name) skip encoding the corpora."""
    examples: list[Example] = []
    for folder in folders:
        index = (indexes or {}).get(folder.name)
        examples.extend(collect(folder, log=log, index=index)[0])
    p_good, p_vague = out_of_fold(examples, c=c)
    t_oof, t_clarify = choose_thresholds(examples, p_good, p_vague)
    good, vague = _labels(examples)
    clear = vague == 0
    answerability = _fit(_matrix(examples, FEATURES)[clear], good[clear], FEATURES, c)
    vagueness = _fit(_matrix(examples, VAGUE_FEATURES), vague, VAGUE_FEATURES, c)
    # The final models are sharper than the folds' (more data), so the threshold chosen on
    # out-of-fold probabilities may abstain less with them: take the stricter of the two.
    p_in = np.array([answerability.probability(e.values) for e in examples])
    v_in = np.array([vagueness.probability(e.values) for e in examples])
    t_answer = max(t_oof, choose_thresholds(examples, p_in, v_in)[0])
    lines = [
        f"operating points: answer >= {t_answer}, clarify >= {t_clarify}",
        "dev, 5-fold cross-validated (grouped by conversation):",
    ]
    for name, (cited, abst, clar) in rates(examples, p_good, p_vague, t_answer, t_clarify).items():
        extra = "" if clar is None else f", clarify(UNDERSPECIFIED) {clar:.3f}"
        lines.append(f"  {name}: cited {cited:.3f}, abstained {abst:.3f}{extra}")
    command = "guiders docs fit " + " ".join(f"--set {f}" for f in folders)
    figures = "; ".join(line.strip() for line in lines[2:])
    provenance = f"{command}; dev, 5-fold cross-validated: {figures}"
    return Models(answerability, vagueness, t_answer, t_clarify, provenance), "\n".join(lines)
