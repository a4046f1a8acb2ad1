"""A tiny help centre shared by the knowledge tests (encoded once per module)."""

from __future__ import annotations

from guiders.knowledge.chunks import Chunk, chunk_document, sections_from_text

DOCUMENTS = {
    "api-keys": (
        "API keys",
        "# API keys\nAn API key lets your programs call the Acme API on your behalf.\n\n"
        "## Create an API key\nOpen Settings, choose Developer, then press New key. "
        "The secret is shown only once, so copy it somewhere safe.\n\n"
        "## Revoke an API key\nPress Revoke next to the key. Programs using it stop working "
        "at once.",
    ),
    "shipping": (
        "Shipping",
        "Orders leave our warehouse within two working days. Delivery to Spain takes three "
        "to five days. Shipping is free for orders over 50 euros.",
    ),
    "returns": (
        "Returns and refunds",
        "You can return any item within 30 days of delivery. Refunds reach your card within "
        "ten days after we receive the parcel.",
    ),
    "invoices": (
        "Invoices",
        "Invoices are emailed on the first day of each month. You can download past invoices "
        "from the Billing page as PDF files.",
    ),
}


def chunks() -> list[Chunk]:
    out: list[Chunk] = []
    for doc_id, (title, text) in DOCUMENTS.items():
        out.extend(
            chunk_document(doc_id, title, f"https://help.test/{doc_id}", sections_from_text(text))
        )
    return out
