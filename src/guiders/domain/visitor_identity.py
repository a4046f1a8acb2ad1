"""How a visitor is named wherever they appear: their name or e-mail, else a stable handle.

The handle ("Visitor 4821") comes from the visitor's id alone, so the console, the dashboard
and a notification name the same anonymous visitor the same way. ``web/src/shared/visitor.ts``
computes the same handle in the browser; ``tests/unit/domain/test_visitor_identity.py`` and
``web/src/shared/visitor.test.ts`` pin the same examples.
"""

from __future__ import annotations

from uuid import UUID


def visitor_handle(visitor_id: UUID | str) -> str:
    """``Visitor NNNN``: four digits from the first 32 bits of the id."""
    digits = str(visitor_id).replace("-", "")[:8]
    return f"Visitor {int(digits, 16) % 9000 + 1000}"


def display_name(visitor_id: UUID | str, name: str | None, email: str | None = None) -> str:
    """The name when known, else the e-mail, else the handle."""
    for known in (name, email):
        if known and known.strip():
            return known.strip()
    return visitor_handle(visitor_id)
