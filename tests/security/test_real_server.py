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


def test_a_body_sent_with_its_head_in_one_write_is_not_taken_for_a_header(
    server: ServerProcess,
) -> None:
    """The head limit counts the head only: a 200 KB body arriving in the same read as its
    head (how clients send an upload) was answered 431 ``headers_too_large``."""
    body = json.dumps({"padding": "x" * 200_000}).encode()
    head = (
        b"POST /api/v2/chats HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    answer = _raw_request(server, head + body)
    status = answer.split(b"\r\n", 1)[0]
    assert b" 401 " in status, answer[:300]
    big_head = head.replace(b"connection:", b"x-big: " + b"y" * 40_000 + b"\r\nconnection:")
    answer = _raw_request(server, big_head + body)
    assert b" 431 " in answer.split(b"\r\n", 1)[0], answer[:300]


def test_an_image_attachment_larger_than_the_head_limit_is_uploaded(
    server: ServerProcess,
) -> None:
    creds = server.credentials()
    api = httpx.Client(base_url=server.base, timeout=10)
    registered = api.post(
        "/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "big-upload"},
    )
    auth = {"authorization": f"Bearer {registered.json()['accessToken']}"}
    chat = api.post("/api/v2/chats", json={}, headers=auth).json()["chatId"]
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 200_000
    r = api.post(
        "/api/v2/attachments",
        data={"chatId": chat},
        files={"file": ("big.png", png, "image/png")},
        headers=auth,
    )
    assert r.status_code == 201, r.text


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
