"""File names shown and put in headers: no path, no control or quote characters, bounded, and
the extension of the type found in the content."""

from __future__ import annotations

from guiders.domain.attachment import MAX_NAME, safe_filename


def test_a_name_is_made_safe_and_given_the_extension_of_its_content() -> None:
    assert safe_filename("../../etc/passwd", "image/png") == "passwd.png"
    assert safe_filename("C:\\Users\\me\\photo.JPG", "image/jpeg") == "photo.jpg"
    assert safe_filename('in"voice\r\n;.pdf', "application/pdf") == "invoice.pdf"
    assert safe_filename("cat.png", "application/pdf") == "cat.pdf"  # the content decides
    assert safe_filename(None, "image/gif") == "file.gif"
    assert safe_filename("...", "image/webp") == "file.webp"
    assert len(safe_filename("x" * 1000, "image/png")) <= MAX_NAME
