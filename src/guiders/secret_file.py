"""Secrets generated at first start and kept in the data directory (mode 0600).

A built-in default secret is a secret everyone knows: a server started without
``GUIDERS_JWT_SECRET`` would sign and accept tokens anyone can forge. Instead each installation
makes its own random secret the first time it starts and reads it back afterwards, so tokens
survive a restart and nodes sharing a data directory agree. Production deployments set the
secret explicitly (``Settings`` refuses to start without one).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

JWT_SECRET_FILE = "jwt-secret"
MIN_SECRET_BYTES = 32


def read_or_create(path: Path, *, nbytes: int = 48) -> str:
    """The secret stored at ``path``; a new random one (written 0600, atomically) if none.

    ``O_EXCL`` on a temporary name then ``link`` makes concurrent first starts agree: the
    loser of the race reads the winner's secret.
    """
    with contextlib.suppress(FileNotFoundError):
        existing = path.read_text().strip()
        if len(existing.encode()) >= MIN_SECRET_BYTES:
            return existing
        raise ValueError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text().strip()
    finally:
        tmp.unlink(missing_ok=True)
    return value
