"""Documents the tests make themselves: a PDF (fpdf2), a DOCX (python-docx), an encrypted PDF
(pypdf's writer)."""

from __future__ import annotations

import io


def make_pdf(sections: list[tuple[str, str]], title: str = "Handbook") -> bytes:
    """One page per section, with a bookmark per heading (the PDF's table of contents)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for heading, body in sections:
        pdf.add_page()
        pdf.start_section(heading)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx(title: str, sections: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    for heading, body in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def encrypt_pdf(content: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
