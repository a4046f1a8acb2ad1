"""Items 1, 5 and 6 against a real ``guiders up`` process: what only a real server shows
(its HTTP parser, the Socket.IO handshake, what it prints)."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import socketio

from tests.e2e.server import ServerProcess
from tests.security.forgery import forged_admin_token

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("sec"),
        capture_stdout=True,
        PYTHONUNBUFFERED="1",
    )
    proc.start()
    yield proc
    proc.stop()


def _raw_request(server: ServerProcess, head: bytes) -> bytes:
    """Sends a request head as is; returns what the server answered before closing."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        # the server may cut us off mid-way: what it answered is still readable
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(head)
        answer = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while chunk := conn.recv(65536):
                answer += chunk
    return answer


def test_a_one_megabyte_header_is_refused(server: ServerProcess) -> None:
    big = b"x" * (1024 * 1024)
    answer = _raw_request(
        server,
        b"GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: " + big + b"\r\n\r\n",
    )
    status = answer.split(b"\r\n", 1)[0]
    assert b" 431 " in status, answer[:300]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"] == "headers_too_large"


def test_ordinary_headers_are_served(server: ServerProcess) -> None:
    r = httpx.get(f"{server.base}/api/health", headers={"x-some": "y" * 8000}, timeout=10)
    assert r.status_code == 200
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_forged_placeholder_token_is_refused_over_http(server: ServerProcess) -> None:
    forged = forged_admin_token(server.credentials()["companyId"])
    r = httpx.get(
        f"{server.base}/api/v2/chats", headers={"authorization": f"Bearer {forged}"}, timeout=10
    )
    assert r.status_code == 401, r.text


async def test_a_forged_placeholder_token_is_refused_at_the_socket_handshake(
    server: ServerProcess,
) -> None:
    forged = forged_admin_token(server.credentials()["companyId"])
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server.base, auth={"token": forged}, transports=["websocket"])


def test_up_prints_where_the_credentials_are_not_the_passwords(server: ServerProcess) -> None:
    creds: dict[str, Any] = server.credentials()
    log = (server.data_dir / "server.log").read_text()
    assert "demo-credentials.json" in log
    for person in creds["staff"]:
        assert person["password"] not in log
    assert creds["integrationKey"] not in log
