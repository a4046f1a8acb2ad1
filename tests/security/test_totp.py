"""Two-factor sign-in: enrolment, the code step, no replay, recovery codes, and the company
setting that requires it of admins."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp

from guiders.runtime import Runtime
from tests.security.conftest import PASSWORD, new_tenant


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def test_a_staff_member_with_totp_needs_the_code(
    open_api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    api = open_api
    member = demo["staff"][1]
    creds = {"email": member["email"], "password": member["password"]}
    first = (await api.post("/api/user/auth/login", json=creds)).json()
    me = {"authorization": f"Bearer {first['accessToken']}"}

    enrol = (await api.post("/api/user/totp/enrolment", headers=me)).json()
    uri = urlsplit(enrol["otpauthUri"])
    assert uri.scheme == "otpauth" and parse_qs(uri.query)["secret"] == [enrol["secret"]]
    wrong = await api.post("/api/user/totp/confirm", json={"code": "000000"}, headers=me)
    assert wrong.status_code == 422
    confirmed = await api.post(
        "/api/user/totp/confirm", json={"code": _code(enrol["secret"], -1)}, headers=me
    )
    assert confirmed.status_code == 200, confirmed.text
    recovery = confirmed.json()["recoveryCodes"]
    assert len(recovery) == 10
    status = (await api.get("/api/user/totp", headers=me)).json()
    assert status["enabled"] is True and status["recoveryCodesLeft"] == 10

    half = (await api.post("/api/user/auth/login", json=creds)).json()
    assert half["totpRequired"] is True and "accessToken" not in half
    challenge = half["challenge"]
    # the challenge is no access token
    no = await api.get("/api/v2/chats", headers={"authorization": f"Bearer {challenge}"})
    assert no.status_code == 401
    bad = await api.post(
        "/api/user/auth/login/totp", json={"challenge": challenge, "code": "123456"}
    )
    assert bad.status_code == 401
    code = _code(enrol["secret"])
    ok = await api.post("/api/user/auth/login/totp", json={"challenge": challenge, "code": code})
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["id"] and ok.json()["accessToken"]
    replay = await api.post(
        "/api/user/auth/login/totp", json={"challenge": challenge, "code": code}
    )
    assert replay.status_code == 401, "a TOTP code must work once"

    by_recovery = await api.post(
        "/api/user/auth/login/totp", json={"challenge": challenge, "code": recovery[0]}
    )
    assert by_recovery.status_code == 200
    again = await api.post(
        "/api/user/auth/login/totp", json={"challenge": challenge, "code": recovery[0]}
    )
    assert again.status_code == 401, "a recovery code must work once"
    forged = await api.post(
        "/api/user/auth/login/totp", json={"challenge": challenge[:-4] + "AAAA", "code": code}
    )
    assert forged.status_code == 401


async def test_a_company_can_require_totp_of_its_admins(
    open_api: httpx.AsyncClient, runtime: Runtime
) -> None:
    api = open_api
    tenant = await new_tenant(api, runtime, "Acme", "acme.example", "boss@acme.example")
    r = await api.put(
        "/api/v2/company/security", json={"adminsNeedTotp": True}, headers=tenant["headers"]
    )
    assert r.status_code == 200, r.text

    creds = {"email": tenant["email"], "password": PASSWORD}
    # the session from before the requirement cannot be renewed
    refresh = await api.post(
        "/api/user/auth/refresh", json={"refreshToken": tenant["refreshToken"]}
    )
    assert refresh.status_code == 401, refresh.text
    half = (await api.post("/api/user/auth/login", json=creds)).json()
    assert half["totpRequired"] is True and half["enrolmentRequired"] is True
    enrol = await api.post(
        "/api/user/auth/login/totp/enrolment", json={"challenge": half["challenge"]}
    )
    assert enrol.status_code == 200, enrol.text
    secret = enrol.json()["secret"]
    done = await api.post(
        "/api/user/auth/login/totp", json={"challenge": half["challenge"], "code": _code(secret)}
    )
    assert done.status_code == 200, done.text
    assert len(done.json()["recoveryCodes"]) == 10
    me = {"authorization": f"Bearer {done.json()['accessToken']}"}
    off = await api.post(
        "/api/user/totp/disable", json={"code": done.json()["recoveryCodes"][0]}, headers=me
    )
    assert off.status_code == 403, "a required second factor cannot be turned off"
