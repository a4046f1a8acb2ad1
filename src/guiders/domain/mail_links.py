"""Signed ways back into a chat by e-mail: the reply-to address and the link that resumes the
chat, both HMAC-signed with the installation's secret, and what is kept of a visitor's reply.

- Reply address: ``reply+<chat id hex>.<signature>@<domain>``. The signature covers the chat
  id, so a forged or altered address is refused by the inbound SMTP endpoint before anything
  is read. It does not expire: a visitor may answer a transcript weeks later.
- Resume link token: ``<chat id hex>.<visitor id hex>.<expiry, epoch s>.<signature>``: it
  expires (``chat_link_ttl_days``), and whoever holds it may act as that visitor in that chat,
  like the e-mail it was sent to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from guiders.domain.errors import Unauthenticated, ValidationFailed

SIGNATURE_CHARS = 22
"""Characters of HMAC-SHA256 kept: base64url in links (132 bits), base32 in reply addresses
(110 bits); short enough for an address's local part."""
EMAIL = re.compile(
    r"^[^@\s<>\"(),;:\\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$"
)
MAX_EMAIL = 254
_REPLY = re.compile(r"^reply\+([0-9a-f]{32})\.([a-z0-9_-]{" + str(SIGNATURE_CHARS) + r"})@(.+)$")


def _sign(secret: bytes, purpose: str, text: str) -> str:
    digest = hmac.new(secret, f"{purpose}:{text}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def valid_email(address: str) -> str:
    """The address, trimmed; refuses what is not a plain ``local@domain.tld``."""
    address = address.strip()
    if len(address) > MAX_EMAIL or not EMAIL.match(address):
        raise ValidationFailed("email is not a valid address", field="email")
    return address


def _sign_reply(secret: bytes, chat_hex: str) -> str:
    """Lower-case base32 (110 bits kept): mail systems may change the case of a local part,
    and a signature compared without case must not lose strength for it."""
    digest = hmac.new(secret, f"reply:{chat_hex}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_CHARS]


def reply_address(secret: bytes, chat_id: UUID, domain: str) -> str:
    return f"reply+{chat_id.hex}.{_sign_reply(secret, chat_id.hex)}@{domain}"


def chat_of_reply_address(secret: bytes, address: str, domains: frozenset[str]) -> UUID:
    """The chat a reply address leads to; ``Unauthenticated`` when it is not one of ours, its
    domain is not an inbound domain, or its signature does not hold."""
    match = _REPLY.match(address.strip().lower().strip("<>")) if len(address) <= 320 else None
    if match is None:
        raise Unauthenticated("Not a reply address")
    chat_hex, signature, domain = match.groups()
    if domain not in domains:
        raise Unauthenticated("Not one of our domains")
    if not hmac.compare_digest(_sign_reply(secret, chat_hex), signature):
        raise Unauthenticated("The reply address is not signed")
    return UUID(chat_hex)


@dataclass(frozen=True, slots=True)
class ChatLink:
    chat_id: UUID
    visitor_id: UUID
    expires_at: int


def link_token(secret: bytes, link: ChatLink) -> str:
    body = f"{link.chat_id.hex}.{link.visitor_id.hex}.{link.expires_at}"
    return f"{body}.{_sign(secret, 'resume', body)}"


def read_link_token(secret: bytes, token: str, now: datetime) -> ChatLink:
    parts = token.split(".") if len(token) <= 200 else []
    if len(parts) != 4:
        raise Unauthenticated("The link is not valid")
    chat_hex, visitor_hex, expiry, signature = parts
    body = f"{chat_hex}.{visitor_hex}.{expiry}"
    if not hmac.compare_digest(_sign(secret, "resume", body), signature):
        raise Unauthenticated("The link is not valid")
    link = ChatLink(UUID(chat_hex), UUID(visitor_hex), int(expiry))
    if link.expires_at < now.timestamp():
        raise Unauthenticated("The link has expired")
    return link


_QUOTE_HEADERS = (
    re.compile(r"^\s*On .{1,300}wrote:\s*$"),
    re.compile(r"^\s*El .{1,300}escribió:\s*$"),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Mensaje original\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*From:\s.+$"),
    re.compile(r"^\s*De:\s.+$"),
    re.compile(r"^\s*_{10,}\s*$"),
)


def reply_text(body: str, limit: int) -> str:
    """What the visitor wrote: the text above the quoted message (the client's "On ... wrote:"
    line, an "Original Message" separator, ``>`` lines) and above the signature (``-- ``),
    blank lines trimmed, at most ``limit`` characters."""
    kept: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.rstrip() == "--" or any(p.match(line) for p in _QUOTE_HEADERS):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    text = "\n".join(kept).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text[:limit].rstrip()
