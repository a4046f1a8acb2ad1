"""Tokens an attacker can make: signed with the secret that used to be written in the source."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

PUBLISHED_PLACEHOLDER = "dev-insecure-secret-change-me-before-production"


def forged_admin_token(company_id: str | None = None) -> str:
    """``role=admin`` with a random subject, as the attack in issue 14 made it."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "companyId": company_id or str(uuid.uuid4()),
        "typ": "staff",
        "role": "admin",
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, PUBLISHED_PLACEHOLDER, algorithm="HS256")
