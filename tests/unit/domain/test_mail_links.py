"""Signed reply addresses and chat links, and what is kept of an e-mailed reply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guiders.domain.errors import Unauthenticated, ValidationFailed
from guiders.domain.mail_links import (
    ChatLink,
    chat_of_reply_address,
    link_token,
    read_link_token,
    reply_address,
    reply_text,
    valid_email,
)

SECRET = b"k" * 32
DOMAINS = frozenset({"reply.example.com"})


def test_a_reply_address_leads_to_its_chat_and_only_when_signed_by_us() -> None:
    chat = uuid.uuid4()
    address = reply_address(SECRET, chat, "reply.example.com")
    assert chat_of_reply_address(SECRET, address, DOMAINS) == chat
    # mail systems may change the case of the local part
    assert chat_of_reply_address(SECRET, f"<{address.upper()}>", DOMAINS) == chat
    other = reply_address(b"x" * 32, chat, "reply.example.com")
    local, _, _ = address.partition("@")
    for wrong in (
        other,
        address.replace(chat.hex, uuid.uuid4().hex),
        address.replace("reply.example.com", "evil.example.com"),
        "postmaster@reply.example.com",
        "reply+" + "a" * 400 + "@reply.example.com",
        local[:-1] + ("a" if not local.endswith("a") else "b") + "@reply.example.com",
    ):
        with pytest.raises(Unauthenticated):
            chat_of_reply_address(SECRET, wrong, DOMAINS)


def test_a_link_token_expires_and_cannot_be_altered() -> None:
    now = datetime.now(UTC)
    link = ChatLink(uuid.uuid4(), uuid.uuid4(), int((now + timedelta(days=1)).timestamp()))
    token = link_token(SECRET, link)
    assert read_link_token(SECRET, token, now) == link
    with pytest.raises(Unauthenticated, match="expired"):
        read_link_token(SECRET, token, now + timedelta(days=2))
    chat, visitor, expiry, signature = token.split(".")
    later = f"{chat}.{visitor}.{int(expiry) + 86_400}.{signature}"
    for wrong in (later, token + "x", "a.b.c", "", token.replace(visitor, uuid.uuid4().hex)):
        with pytest.raises(Unauthenticated):
            read_link_token(SECRET, wrong, now)


@given(st.text(max_size=300))
def test_any_token_text_is_refused_cleanly(text: str) -> None:
    with pytest.raises(Unauthenticated):
        read_link_token(SECRET, text, datetime.now(UTC))


def test_the_reply_keeps_what_the_visitor_wrote() -> None:
    body = (
        "Tomorrow at 10 works.\r\n\r\nThanks!\r\n\r\n-- \r\nVera\r\n\r\n"
        "On Mon, 7 Dec 2026 at 10:00, Ana <a@shop.example> wrote:\r\n> Can we call?"
    )
    assert reply_text(body, 1000) == "Tomorrow at 10 works.\n\nThanks!"
    outlook = "Sure.\n\n-----Original Message-----\nFrom: Ana\nSent: Monday"
    assert reply_text(outlook, 1000) == "Sure."
    spanish = "Vale, gracias\n\nEl lun, 7 dic 2026, Ana escribió:\n> Hola"
    assert reply_text(spanish, 1000) == "Vale, gracias"
    assert reply_text("> only a quote\n> more", 1000) == ""
    assert reply_text("x" * 50, 10) == "x" * 10


def test_addresses_are_validated() -> None:
    assert valid_email("  vera@example.org ") == "vera@example.org"
    for bad in (
        "vera",
        "vera@",
        "@example.org",
        "ve ra@example.org",
        "v@localhost",
        "a" * 250 + "@b.co",
    ):
        with pytest.raises(ValidationFailed):
            valid_email(bad)
