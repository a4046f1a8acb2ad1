"""Documents cut into chunks: the unit that is indexed, retrieved and cited.

A parser (HTML, PDF, DOCX, Markdown, plain text) turns a document into :class:`Section` s:
text under a heading path. :func:`chunk_document` packs each section's paragraphs into chunks of
at most ``max_chars`` characters, never across a heading (a citation's anchor is its heading
path), splitting an over-long paragraph on sentence boundaries and an over-long sentence on
spaces. Ingestion and ``guiders docs evaluate`` both go through these two functions, so the
evaluation measures what an upload gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# About 250 MiniLM tokens: the encoder reads 256, so a chunk is seen whole, and a reply quotes
# from a passage short enough to be about one thing.
MAX_CHARS = 1200

_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_LINE_ENDS = re.compile(r"[.!?:;。！？][\"'”’)\]*_]*\s*$")
_LINE_STARTS_BLOCK = re.compile(r"\s*([-*+•]\s|\d+[.)]\s|#|>|\|)")
# A sentence ends at . ! ? (or their full-width forms) followed by space and a capital,
# a digit, an opening quote or bracket; abbreviations like "e.g. the" are left alone.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’)\]]*\s+(?=[\"'“‘(\[¿¡]?[A-ZÁÉÍÓÚÑ0-9])")


@dataclass(frozen=True, slots=True)
class Section:
    """Text under a heading path, as a parser produces it."""

    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage; ``document_id`` is what a citation names."""

    id: str  # stable: f"{document_id}#{ordinal}"
    document_id: str
    title: str
    url: str | None
    heading_path: tuple[str, ...]
    text: str
    ordinal: int

    @property
    def indexed_text(self) -> str:
        """What retrieval reads: the title and headings say what the passage is about."""
        head = " > ".join(h for h in (self.title, *self.heading_path) if h)
        if head and not self.text.startswith(head):
            return f"{head}\n{self.text}"
        return self.text


def sections_from_text(text: str) -> list[Section]:
    """Plain text or Markdown into sections, one per ATX (``## x``) or setext heading.

    Text before the first heading gets the empty heading path. Headings inside fenced code
    blocks are code, not headings.
    """
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []
    fenced = False

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append(Section(tuple(h for _, h in path), content))
        body.clear()

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            body.append(line)
            continue
        heading: tuple[int, str] | None = None
        atx = None if fenced else _ATX.match(line)
        if atx:
            heading = (len(atx.group(1)), atx.group(2).strip())
        elif not fenced and _SETEXT.match(line) and body and body[-1].strip():
            # "Title\n=====" (a lone "---" after a blank line is a rule, not a heading)
            title = body.pop().strip()
            heading = (1 if line.lstrip().startswith("=") else 2, title)
        if heading is None:
            body.append(line)
            continue
        flush()
        level, title = heading
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, title))
    flush()
    return sections


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph. A line break ends a sentence only where a line ends with
    punctuation or the next starts a list item, a heading, a quote or a table row: Markdown
    wrapped at 100 columns otherwise answered visitors with half sentences ("within 48 hours
    The Balearic ...")."""
    out: list[str] = []
    for line in _unwrap(text.split("\n")):
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def _unwrap(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1].strip() and line.strip() and _continues(joined[-1], line):
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return joined


def _continues(previous: str, line: str) -> bool:
    return not (_LINE_ENDS.search(previous) or _LINE_STARTS_BLOCK.match(line))


def _hard_split(text: str, max_chars: int) -> Iterator[str]:
    """A sentence longer than a chunk, cut at the last space before the limit."""
    while len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        cut = cut if cut > max_chars // 2 else max_chars
        yield text[:cut].strip()
        text = text[cut:].strip()
    if text:
        yield text


def _pieces(text: str, max_chars: int) -> Iterator[tuple[str, bool]]:
    """Paragraphs, or the sentences of a paragraph too long for one chunk; the flag says
    whether the piece starts a paragraph."""
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            yield paragraph, True
            continue
        first = True
        for sentence in split_sentences(paragraph):
            for part in _hard_split(sentence, max_chars):
                yield part, first
                first = False


def _pack(text: str, max_chars: int) -> Iterator[str]:
    """Consecutive pieces joined while they fit, so chunks are neither tiny nor too long."""
    current = ""
    for piece, starts_paragraph in _pieces(text, max_chars):
        joiner = "\n\n" if starts_paragraph else " "
        if current and len(current) + len(joiner) + len(piece) > max_chars:
            yield current
            current = piece
        else:
            current = f"{current}{joiner}{piece}" if current else piece
    if current:
        yield current


def chunk_document(
    document_id: str,
    title: str,
    url: str | None,
    sections: Sequence[Section],
    *,
    max_chars: int = MAX_CHARS,
) -> list[Chunk]:
    """The document's chunks in reading order; ids are ``f"{document_id}#{ordinal}"``."""
    if max_chars < 50:
        raise ValueError("max_chars must be at least 50")
    chunks: list[Chunk] = []
    for section in sections:
        for text in _pack(section.text, max_chars):
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{document_id}#{ordinal}",
                    document_id=document_id,
                    title=title,
                    url=url,
                    heading_path=section.heading_path,
                    text=text,
                    ordinal=ordinal,
                )
            )
    return chunks
