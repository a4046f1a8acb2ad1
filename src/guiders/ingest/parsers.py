"""Documents to sections of text under their headings, with well-kept libraries doing the
reading: selectolax (the Lexbor HTML engine) for HTML, pypdf for PDF, python-docx for DOCX.

Why selectolax rather than trafilatura for HTML: we need the page's heading structure (for the
citation anchor), not just its text, and selectolax gives the element tree at a few
milliseconds a page with no dependencies; the main content is found the usual way (``main``,
``article``, ``[role=main]``) after dropping navigation, headers, footers and scripts.

Markdown and plain text go through the engine's ``sections_from_text``, exactly as
``guiders docs evaluate`` reads its corpus, so the evaluation measures what an upload gets.
Paragraphs are kept apart by blank lines, which is where the chunker cuts.

Everything here is a pure function of bytes, so it runs in a worker process: a large PDF
never holds the server's event loop. A document that cannot be read raises ``ParseError``
with a reason a person can act on; other documents are not affected.
"""

from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from selectolax.lexbor import LexborHTMLParser, LexborNode

from guiders.knowledge.chunks import Section, sections_from_text

MAX_TEXT_CHARS = 2_000_000
"""Text kept from one document; the rest is dropped (and said so in the section list)."""
MAX_PDF_PAGES = 2000
MAX_DOCX_UNCOMPRESSED = 100 * 1024 * 1024
"""Bytes all the parts of one DOCX may unpack to (images included: python-docx loads them)."""
MAX_DOCX_XML_BYTES = 25 * 1024 * 1024
"""Bytes one XML part (``word/document.xml``...) may unpack to: python-docx parses each whole
into an lxml tree of many times its size, and 25 MB of markup is far more than the text kept."""
MAX_DOCX_RATIO = 100
"""Unpacked/packed size a part over ``DOCX_RATIO_FLOOR`` may have: Word's XML packs about
10:1, a ZIP bomb thousands to one."""
DOCX_RATIO_FLOOR = 1024 * 1024
MAX_DOCX_PARTS = 5000
_READ_CHUNK = 1024 * 1024

KINDS = ("html", "markdown", "text", "pdf", "docx")
_DROP = (
    "script, style, noscript, template, svg, iframe, nav, header, footer, aside, form, "
    "[role=navigation], [role=banner], [role=contentinfo], [hidden], [aria-hidden=true]"
)
_BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, pre, blockquote, dt, dd, td, th, figcaption"
_NESTED = "p, li, pre, blockquote, table, ul, ol, dl"
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class ParseError(Exception):
    """This document cannot be indexed; ``str(exc)`` says why."""


@dataclass(slots=True)
class ParsedDocument:
    title: str
    kind: str
    sections: list[Section]
    links: list[str] = field(default_factory=list)
    """For HTML: every ``href`` of the page (as written), for the crawler to follow."""

    @property
    def text_chars(self) -> int:
        return sum(len(s.text) for s in self.sections)


def detect_kind(content: bytes, content_type: str | None, name: str | None) -> str:
    """What the bytes are, from their magic first, then the declared type, then the name."""
    head = content[:1024].lstrip().lower()
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return "docx"
    mime = (content_type or "").split(";")[0].strip().lower()
    suffix = PurePosixPath(name or "").suffix.lower()
    if mime in ("text/html", "application/xhtml+xml") or suffix in (".html", ".htm"):
        return "html"
    if mime in ("text/markdown", "text/x-markdown") or suffix in (".md", ".markdown"):
        return "markdown"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if mime == "text/plain" or suffix == ".txt":
        return "text"
    if mime == "application/pdf" or suffix == ".pdf":
        raise ParseError("the file says it is a PDF but is not one")
    if suffix == ".docx":
        raise ParseError("the file says it is a DOCX but is not one")
    raise ParseError(
        f"unsupported type {mime or suffix or 'unknown'}: send HTML, Markdown, "
        "plain text, PDF or DOCX"
    )


def parse(
    content: bytes, content_type: str | None = None, name: str | None = None
) -> ParsedDocument:
    kind = detect_kind(content, content_type, name)
    fallback = PurePosixPath(name or "").stem or "Untitled"
    if kind == "pdf":
        return _pdf(content, fallback)
    if kind == "docx":
        return _docx(content, fallback)
    text = _decode(content, content_type)[:MAX_TEXT_CHARS]
    if kind == "html":
        return parse_html(text, fallback)
    return parse_markdown(text, fallback, kind)


def _decode(content: bytes, content_type: str | None) -> str:
    charset = None
    match = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    if match:
        charset = match.group(1)
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return content.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return content.decode("latin-1")


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


class _Sections:
    """Collects text under the current heading path, merging text that shares one."""

    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []
        self.sections: list[Section] = []
        self._buffer: list[str] = []
        self._chars = 0

    def heading(self, level: int, text: str) -> None:
        self.flush()
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text[:200]))

    def text(self, text: str) -> None:
        if text and self._chars < MAX_TEXT_CHARS:
            self._buffer.append(text)
            self._chars += len(text)

    def flush(self) -> None:
        body = "\n\n".join(self._buffer).strip()
        self._buffer = []
        if body:
            self.sections.append(Section(tuple(t for _, t in self.path), body))


def parse_html(html: str, fallback_title: str = "Untitled") -> ParsedDocument:
    tree = LexborHTMLParser(html)
    links = [a.attributes.get("href") or "" for a in tree.css("a[href]")]
    title_node = tree.css_first("title")
    title = _clean(title_node.text()) if title_node else ""
    for node in tree.css(_DROP):
        node.decompose()
    root: LexborNode | None = (
        tree.css_first("main") or tree.css_first("[role=main]") or tree.css_first("article")
    )
    root = root or tree.body or tree.root
    out = _Sections()
    if root is not None:
        for node in root.css(_BLOCKS):
            tag = node.tag or ""
            text = _clean(node.text(separator=" "))
            if not text:
                continue
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                title = title or text
                out.heading(int(tag[1]), text)
            elif tag in ("li", "blockquote", "dd", "td", "th") and len(node.css(_NESTED)) > (
                1 if tag in ("li", "blockquote") else 0
            ):
                continue  # its inner blocks are visited on their own
            else:
                out.text(text)
        out.flush()
        if not out.sections:  # text straight in divs: keep it as one section
            out.text(_clean(root.text(separator="\n")))
            out.flush()
    return ParsedDocument(title or fallback_title, "html", out.sections, links)


def parse_markdown(
    text: str, fallback_title: str = "Untitled", kind: str = "markdown"
) -> ParsedDocument:
    """Markdown or plain text; the title is the first heading, else the file's name."""
    sections = sections_from_text(text)
    title = next((s.heading_path[0] for s in sections if s.heading_path), fallback_title)
    return ParsedDocument(title, kind, sections)


def _pdf(content: bytes, fallback_title: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception as exc:
                raise ParseError(f"the PDF is encrypted and cannot be read ({exc})") from exc
            if not unlocked:
                raise ParseError("the PDF is encrypted with a password")
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise ParseError(f"the PDF has {len(pages)} pages; the limit is {MAX_PDF_PAGES}")
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
        marks = _outline_starts(reader)
        out = _Sections()
        current: tuple[str, ...] | None = None
        for number, page in enumerate(pages):
            path = marks.get(number)
            if path is not None and path != current:
                out.flush()
                out.path = [(i, t) for i, t in enumerate(path)]
                current = path
            elif not marks:
                out.flush()
                out.path = [(0, f"Page {number + 1}")]
            out.text(_clean(page.extract_text() or ""))
        out.flush()
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ParseError(f"the PDF is damaged and cannot be read ({exc})") from exc
    sections = [s for s in out.sections if s.text]
    if not sections:
        raise ParseError("the PDF has no text layer (a scan?): nothing to index")
    return ParsedDocument(str(meta_title).strip() or fallback_title, "pdf", sections)


def _outline_starts(reader: object) -> dict[int, tuple[str, ...]]:
    """Page number -> the bookmark path that starts there (bookmarks are the PDF's headings)."""
    starts: dict[int, tuple[str, ...]] = {}

    def walk(items: list[object], path: tuple[str, ...]) -> None:
        last: tuple[str, ...] = path
        for item in items:
            if isinstance(item, list):
                walk(item, last)
                continue
            title = str(getattr(item, "title", "") or "").strip()[:200]
            try:
                page = reader.get_destination_page_number(item)  # type: ignore[attr-defined]
            except Exception:
                continue
            last = (*path, title)
            if page is not None and page >= 0:
                starts.setdefault(page, last)

    try:
        walk(list(reader.outline), ())  # type: ignore[attr-defined]
    except Exception:
        return {}
    return starts


def _docx(content: bytes, fallback_title: str) -> ParsedDocument:
    check_docx_archive(content)
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as exc:
        raise ParseError(f"the DOCX is damaged and cannot be read ({exc})") from exc
    out = _Sections()
    title = (document.core_properties.title or "").strip()
    for paragraph in document.paragraphs:
        text = _clean(paragraph.text)
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title":
            title = title or text
            continue
        level = _docx_heading_level(style)
        if level is not None:
            title = title or text
            out.heading(level, text)
        else:
            out.text(text)
    for table in document.tables:
        for row in table.rows:
            out.text(" | ".join(_clean(cell.text) for cell in row.cells))
    out.flush()
    if not out.sections:
        raise ParseError("the DOCX has no text")
    return ParsedDocument(title or fallback_title, "docx", out.sections)


def check_docx_archive(content: bytes) -> None:
    """Refuses a DOCX (a ZIP) that would unpack to more than the limits, before python-docx
    reads it.

    The sizes a ZIP declares are checked first (cheap, and they stop an honest bomb at once),
    then every part is unpacked in chunks, counting, and dropped: a header that understates a
    part is caught by the count, never by memory. python-docx then opens the same bytes, and
    Python's zipfile stops each part at the same declared size, so it reads what was counted.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            if "word/document.xml" not in {p.filename for p in parts}:
                raise ParseError("the file is a ZIP archive but not a DOCX document")
            if len(parts) > MAX_DOCX_PARTS:
                raise ParseError(f"the DOCX has {len(parts)} parts; the limit is {MAX_DOCX_PARTS}")
            for part in parts:
                _check_part_size(part, part.file_size)
            if sum(p.file_size for p in parts) > MAX_DOCX_UNCOMPRESSED:
                raise ParseError(f"the DOCX unpacks to more than {_mb(MAX_DOCX_UNCOMPRESSED)}")
            total = 0
            for part in parts:
                total += _unpacked_size(archive, part, MAX_DOCX_UNCOMPRESSED - total)
    except ParseError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        NotImplementedError,  # a compression method zipfile has not
        RuntimeError,  # an encrypted part
        EOFError,
        ValueError,
        OSError,
    ) as exc:
        raise ParseError(f"the DOCX is damaged and cannot be read ({exc})") from exc


def _check_part_size(part: zipfile.ZipInfo, size: int) -> None:
    if part.filename.endswith((".xml", ".rels")) and size > MAX_DOCX_XML_BYTES:
        raise ParseError(
            f"the DOCX's {part.filename[:100]} unpacks to more than {_mb(MAX_DOCX_XML_BYTES)}"
        )
    if size > DOCX_RATIO_FLOOR and size > MAX_DOCX_RATIO * max(part.compress_size, 1):
        raise ParseError(
            f"the DOCX's {part.filename[:100]} unpacks to {size // max(part.compress_size, 1)} "
            f"times its packed size (at most {MAX_DOCX_RATIO}): a ZIP bomb, not a document"
        )


def _unpacked_size(archive: zipfile.ZipFile, part: zipfile.ZipInfo, room: int) -> int:
    """The bytes ``part`` really unpacks to, read at most ``room`` + 1 of them."""
    size = 0
    with archive.open(part) as stream:
        while chunk := stream.read(min(_READ_CHUNK, room - size + 1)):
            size += len(chunk)
            if size > room:
                raise ParseError(f"the DOCX unpacks to more than {_mb(MAX_DOCX_UNCOMPRESSED)}")
            _check_part_size(part, size)
    return size


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _docx_heading_level(style: str) -> int | None:
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) if match else None
