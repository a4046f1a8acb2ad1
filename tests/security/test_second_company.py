"""A second company made with ``guiders company create`` is kept apart from the first, over
REST and over Socket.IO room joins."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import socketio
from click.testing import CliRunner

from guiders.cli import main
from guiders.config import Settings
from tests.e2e.server import ServerProcess
from tests.integration.test_api import visitor
from tests.security.conftest import PASSWORD


def _cli_env(settings: Settings) -> dict[str, str]:
    env = {"GUIDERS_DATA_DIR": str(settings.data_dir), "GUIDERS_ENVIRONMENT": "test"}
    if settings.database_url:
        env["GUIDERS_DATABASE_URL"] = settings.database_url
    if settings.database_schema:
        env["GUIDERS_DATABASE_SCHEMA"] = settings.database_schema
    return env


async def _sign_up(api: httpx.AsyncClient, created: dict[str, Any]) -> dict[str, str]:
    invitation = created["invitation"]
    accept = await api.post(
        invitation["acceptPath"], json={"password": PASSWORD, "name": "Beta admin"}
    )
    assert accept.status_code == 201, accept.text
    assert accept.json()["role"] == "admin"
    again = await api.post(invitation["acceptPath"], json={"password": PASSWORD, "name": "x"})
    assert again.status_code == 409, "an invitation works once"
    login = await api.post(
        "/api/user/auth/login", json={"email": invitation["email"], "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"authorization": f"Bearer {login.json()['accessToken']}"}


async def test_a_company_created_by_the_cli_sees_nothing_of_another(
    open_api: httpx.AsyncClient, demo: dict[str, Any], settings: Settings
) -> None:
    api = open_api
    alice = await visitor(api, demo, "alice")
    chat = (await api.post("/api/v2/chats", json={}, headers=alice["headers"])).json()["chatId"]

    args = [
        "company",
        "create",
        "--name",
        "Beta",
        "--domain",
        "beta.example",
        "--admin-email",
        "admin@beta.example",
    ]
    result = await asyncio.to_thread(
        CliRunner().invoke, main, args, env=_cli_env(settings), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["siteKey"].startswith("gsk_") and created["companyId"] != demo["companyId"]
    beta = await _sign_up(api, created)

    assert (await api.get(f"/api/v2/chats/{chat}", headers=beta)).status_code == 404
    assert (await api.get(f"/api/v2/chats/{chat}/messages", headers=beta)).status_code == 404
    assert (await api.put(f"/api/v2/chats/{chat}/close", headers=beta)).status_code == 404
    assert (await api.get("/api/v2/chats", headers=beta)).json()["total"] == 0
    visitor_url = f"/api/v2/visitors/{alice['visitorId']}"
    assert (await api.get(visitor_url, headers=beta)).status_code == 404

    duplicate = await asyncio.to_thread(CliRunner().invoke, main, args, env=_cli_env(settings))
    assert duplicate.exit_code != 0 and "conflict" in duplicate.output


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("tenants"))
    proc.start()
    yield proc
    proc.stop()


@pytest.mark.e2e
async def test_the_second_companys_sockets_join_none_of_the_firsts_rooms(
    server: ServerProcess,
) -> None:
    out = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "guiders.cli",
            "company",
            "create",
            "--name",
            "Beta",
            "--domain",
            "beta.example",
            "--admin-email",
            "admin@beta.example",
            "--data-dir",
            str(server.data_dir),
            "--base-url",
            server.base,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    created = json.loads(out.stdout)
    assert created["invitation"]["link"].startswith(server.base)
    first = server.credentials()
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        r = await http.post(
            "/api/auth/visitor/register",
            json={"apiKey": first["siteKey"], "domain": "localhost", "fingerprint": "alice"},
        )
        alice = r.json()
        chat = (
            await http.post(
                "/api/v2/chats",
                json={},
                headers={"authorization": f"Bearer {alice['accessToken']}"},
            )
        ).json()["chatId"]
        beta = await _sign_up(http, created)
    token = beta["authorization"].removeprefix("Bearer ")

    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(server.base, auth={"token": token}, transports=["websocket"])
    try:
        assert (await sio.call("chat:join", {"chatId": chat}))["success"] is False
        assert (await sio.call("visitor:join", {"visitorId": alice["visitorId"]}))[
            "success"
        ] is False
        assert (await sio.call("tenant:join", {"tenantId": first["companyId"]}))["success"] is False
        assert (await sio.call("tenant:join", {"tenantId": created["companyId"]}))[
            "success"
        ] is True
    finally:
        await sio.disconnect()

    # a page on the first company's site cannot open a socket with the second's credential
    foreign = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await foreign.connect(
            server.base,
            auth={"token": token},
            headers={"Origin": f"http://localhost:{server.port}"},
            transports=["websocket"],
        )
    await foreign.disconnect()
