"""Parsers turn each kind of document into sections under their headings, and refuse what
they cannot read with a reason."""

from __future__ import annotations

import pytest
from tests.documents import encrypt_pdf, make_docx, make_docx_bomb, make_pdf, understate_size

from guiders.ingest import parsers
from guiders.ingest.parsers import ParseError, detect_kind, parse, parse_html

PAGE = """<!doctype html><html><head><title>Billing help</title></head><body>
<nav><a href="/a">Home</a> <a href="/b">Pricing</a></nav>
<header><p>Site header text</p></header>
<main>
  <h1>Billing</h1>
  <p>Invoices are sent on the first day of each month.</p>
  <h2>Refunds</h2>
  <p>Refunds take five working days.</p>
  <ul><li>Card payments come back to the card.</li><li><p>Transfers to the account.</p></li></ul>
  <h2>Taxes</h2><p>VAT is included.</p>
</main>
<footer><p>Copyright footer</p></footer><script>var x = 1;</script>
</body></html>"""


def test_html_keeps_the_main_text_under_its_heading_path_and_every_link() -> None:
    doc = parse(PAGE.encode(), "text/html; charset=utf-8", "https://x.test/billing")
    assert doc.title == "Billing help"
    paths = [s.heading_path for s in doc.sections]
    assert paths == [("Billing",), ("Billing", "Refunds"), ("Billing", "Taxes")]
    refunds = doc.sections[1].text
    assert "five working days" in refunds and "back to the card" in refunds
    assert refunds.count("Transfers to the account") == 1
    text = " ".join(s.text for s in doc.sections)
    assert "header" not in text and "footer" not in text and "var x" not in text
    assert doc.links == ["/a", "/b"]


def test_html_without_block_elements_is_kept_as_one_section() -> None:
    doc = parse_html("<html><body><div>Just some text in a div</div></body></html>")
    assert [s.text for s in doc.sections] == ["Just some text in a div"]


def test_markdown_headings_nest_and_code_fences_are_not_headings() -> None:
    text = "# Guide\nIntro.\n## Install\nRun it.\n```\n# not a heading\n```\n### Linux\napt.\n"
    doc = parse(text.encode(), None, "guide.md")
    assert doc.title == "Guide"
    assert [s.heading_path for s in doc.sections] == [
        ("Guide",),
        ("Guide", "Install"),
        ("Guide", "Install", "Linux"),
    ]
    assert "# not a heading" in doc.sections[1].text


def test_a_pdf_made_here_is_read_page_by_page_under_its_bookmarks() -> None:
    content = make_pdf(
        [("Returns", "You can return an item within 30 days."), ("Shipping", "We ship in 2 days.")]
    )
    doc = parse(content, "application/pdf", "policy.pdf")
    assert doc.kind == "pdf" and doc.title == "Handbook"
    assert [s.heading_path for s in doc.sections] == [("Returns",), ("Shipping",)]
    assert "within 30 days" in doc.sections[0].text


def test_a_docx_made_here_is_read_with_its_headings() -> None:
    content = make_docx("Employee guide", [("Holidays", "You have 25 days."), ("Pay", "Monthly.")])
    doc = parse(content, None, "guide.docx")
    assert doc.title == "Employee guide"
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        (("Holidays",), "You have 25 days."),
        (("Pay",), "Monthly."),
    ]


@pytest.fixture
def docx_never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-docx must not get to parse what the archive check refuses (a new, empty
    document is still made: that is how the tests build theirs)."""
    import docx

    new_document = docx.Document

    def refuse(docx_file: object = None) -> object:
        if docx_file is not None:
            raise AssertionError("python-docx was handed a refused archive")
        return new_document()

    monkeypatch.setattr(docx, "Document", refuse)


@pytest.mark.usefixtures("docx_never_opened")
def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = make_docx_bomb(20 * 1024 * 1024)
    assert len(bomb) < 200_000  # 20 MB of XML in a small file
    with pytest.raises(ParseError, match="ZIP bomb"):
        parse(bomb, None, "bomb.docx")


@pytest.mark.usefixtures("docx_never_opened")
def test_a_docx_part_over_the_xml_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsers, "MAX_DOCX_XML_BYTES", 64 * 1024)
    with pytest.raises(ParseError, match=r"word/document.xml unpacks to more than 0.0625 MB"):
        parse(make_docx_bomb(100 * 1024), None, "long.docx")


@pytest.mark.usefixtures("docx_never_opened")
def test_a_docx_over_the_total_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsers, "MAX_DOCX_UNCOMPRESSED", 32 * 1024)
    with pytest.raises(ParseError, match="unpacks to more than"):
        parse(make_docx("Guide", [("A", "b")]), None, "guide.docx")


@pytest.mark.usefixtures("docx_never_opened")
def test_a_docx_whose_header_understates_a_part_is_refused() -> None:
    """The declared size passes every check; the read is cut at it and the part's checksum
    then fails, so nothing past the declared size is ever unpacked."""
    lying = understate_size(make_docx_bomb(20 * 1024 * 1024), "word/document.xml", 1000)
    with pytest.raises(ParseError, match="damaged"):
        parse(lying, None, "lying.docx")


def test_the_unpacked_size_is_counted_not_taken_from_the_header() -> None:
    """The hard limit of the read: what a part unpacks to is counted, and the count stops one
    byte past the room left, whatever the header says."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(make_docx_bomb(300 * 1024))) as archive:
        part = archive.getinfo("word/document.xml")
        assert parsers._unpacked_size(archive, part, part.file_size) == part.file_size
        with pytest.raises(ParseError, match="unpacks to more than"):
            parsers._unpacked_size(archive, part, 200 * 1024)


def test_an_encrypted_pdf_fails_with_a_reason() -> None:
    content = encrypt_pdf(make_pdf([("A", "b")]))
    with pytest.raises(ParseError, match="encrypted"):
        parse(content, "application/pdf", "locked.pdf")


def test_a_corrupt_pdf_or_docx_fails_with_a_reason() -> None:
    with pytest.raises(ParseError, match=r"damaged|no text"):
        parse(b"%PDF-1.4\n garbage that is not a pdf", None, "bad.pdf")
    with pytest.raises(ParseError, match=r"damaged|not a DOCX"):
        parse(b"PK\x03\x04 not really a zip", None, "bad.docx")


def test_unsupported_or_mislabelled_types_are_refused() -> None:
    with pytest.raises(ParseError, match="unsupported"):
        detect_kind(b"\x89PNG....", "image/png", "x.png")
    with pytest.raises(ParseError, match="not one"):
        detect_kind(b"hello", "application/pdf", "x.pdf")
    assert detect_kind(b"hello", None, "notes.txt") == "text"
