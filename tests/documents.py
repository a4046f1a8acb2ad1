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


def make_docx_bomb(padding: int = 20 * 1024 * 1024) -> bytes:
    """A real DOCX whose ``word/document.xml`` carries ``padding`` bytes of whitespace: still
    valid XML, packed to a few KB (a ZIP bomb's shape, at a size a test can afford)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_docx("Bomb", [("Boom", "Text.")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b" " * padding + b"</w:body>")
            bomb.writestr(info.filename, data)
    return out.getvalue()


def understate_size(content: bytes, name: str, size: int) -> bytes:
    """``content`` (a ZIP) with ``name``'s uncompressed size rewritten to ``size`` in both its
    local and its central header: a lying header."""
    import struct

    data = bytearray(content)
    encoded = name.encode()
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = data.find(signature)
        while start != -1:
            (name_len,) = struct.unpack_from("<H", data, start + name_len_at)
            if data[start + name_at : start + name_at + name_len] == encoded:
                struct.pack_into("<I", data, start + size_at, size)
            start = data.find(signature, start + 4)
    return bytes(data)
