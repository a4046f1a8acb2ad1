"""Encryption of secrets kept in the database (companies' LLM keys, SMTP passwords, webhook
secrets, staff's TOTP seeds).

Fernet (``cryptography``): AES-128-CBC with an HMAC-SHA256, a version byte and a timestamp, so a
ciphertext is authenticated and cannot be altered or moved unnoticed. The key comes from
``GUIDERS_SECRETS_KEY`` or, without it, from ``<data_dir>/secrets.key``, created once with mode
0600. Several comma-separated keys rotate: the first encrypts, all decrypt
(``MultiFernet``). A database dump without the key reveals no secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from guiders.domain.errors import Unavailable

KEY_FILE = "secrets.key"


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one secrets key is needed")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except ValueError as exc:
            raise ValueError(
                "GUIDERS_SECRETS_KEY must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated; make one with `guiders company secrets-key`"
            ) from exc

    @classmethod
    def from_settings(cls, env_key: str | None, data_dir: Path) -> SecretBox:
        if env_key:
            return cls([k for k in env_key.split(",") if k.strip()])
        return cls([load_or_create_key(data_dir / KEY_FILE)])

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise Unavailable(
                "A stored secret cannot be decrypted: the secrets key has changed"
            ) from exc

    def open_dated(self, token: str, *, ttl_s: int) -> str:
        """Decrypts a token sealed at most ``ttl_s`` ago (raises ``InvalidToken`` otherwise):
        short-lived, tamper-proof tokens such as the sign-in challenge."""
        return self._fernet.decrypt(token.encode("ascii"), ttl=ttl_s).decode()


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def load_or_create_key(path: Path) -> str:
    """The key file's content, written first (mode 0600, never readable by others) if absent."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def mask(plain: str) -> str:
    """What the settings show of a secret: its kind of prefix and last four characters."""
    if len(plain) <= 8:
        return "…" + plain[-2:] if len(plain) > 4 else "…"
    head = plain[:3]
    return f"{head}…{plain[-4:]}"
