"""A company's own SMTP server (Settings → Integrations), through real local SMTP servers
(aiosmtpd) on SQLite and PostgreSQL: its e-mail waits while no server is set, goes out through
the server once it is, follows a change of server without a restart, logs in with the stored
(encrypted, masked) password, and falls back to the installation's server when none is set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, Session

from guiders.config import Settings
from guiders.demo import seed_demo
from tests.e2e.server import free_port
from tests.integration.test_api import key_headers
from tests.integration.test_mail import Inbox, SmtpServer, mail_settings, serving, smtp, wait_for
from tests.integration.test_mail_outbox_api import visitor_with_contact
from tests.integration.test_model_health_api import admin

__all__ = ["smtp"]


class LoggingIn:
    """An SMTP server that wants a login, and remembers the ones it was given."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.logins: list[tuple[str, str]] = []
        self._controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=port,
            authenticator=self._check,
            auth_require_tls=False,
        )

    def _check(
        self, server: SMTP, session: Session, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login = (data.login.decode(), data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ("acme", "s3cret-smtp-pass"))


@pytest.fixture
def own_smtp() -> Iterator[LoggingIn]:
    server = LoggingIn(free_port())
    server._controller.start()
    yield server
    server._controller.stop()


def polling(settings: Settings) -> Settings:
    """No installation server: only a company's own can send."""
    return settings.model_copy(update={"mail_poll_s": 0.05, "mail_retry_base_s": 0.05})


async def queue(api: Any, demo: dict[str, Any], visitor: str, subject: str) -> str:
    body = {"visitorId": visitor, "subject": subject, "body": "Hello."}
    r = await api.post("/api/v2/mail/outbox", json=body, headers=key_headers(demo))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_a_company_server_set_in_the_console_sends_and_a_change_applies_at_once(
    settings: Settings, smtp: SmtpServer, own_smtp: LoggingIn
) -> None:
    async with serving(polling(settings)) as (runtime, api):
        assert runtime.mail is not None, "the dispatcher runs without an installation server"
        demo = await seed_demo(runtime.services, settings.data_dir)
        headers = await admin(api, runtime, demo)
        visitor = await visitor_with_contact(api, demo, "own-smtp", consent=True)
        await queue(api, demo, visitor, "Waiting for a server")
        assert await runtime.mail.pass_once() == 0
        async with runtime.services.uow() as uow:
            (waiting,) = await uow.mail.of_visitor(UUID(visitor))
        assert (waiting.status, waiting.attempts) == ("pending", 0)

        r = await api.put(
            "/api/v2/company/secrets/smtp_password",
            json={"value": "s3cret-smtp-pass"},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        assert "s3cret-smtp-pass" not in r.text
        values = {
            "smtp_host": "127.0.0.1",
            "smtp_port": own_smtp.port,
            "smtp_username": "acme",
            "smtp_security": "none",
            "smtp_from": "Acme Help <help@acme.example>",
        }
        r = await api.put("/api/v2/settings/integrations", json={"values": values}, headers=headers)
        assert r.status_code == 200, r.text
        await wait_for(lambda: len(own_smtp.inbox.messages) == 1)
        (first,) = own_smtp.inbox.messages
        assert first["Subject"] == "Waiting for a server"
        assert first["From"] == "Acme Help <help@acme.example>"
        assert own_smtp.logins == [("acme", "s3cret-smtp-pass")]

        # another server, no login: the next e-mail goes there, no restart
        moved = {**values, "smtp_port": smtp.port, "smtp_username": ""}
        r = await api.put(
            "/api/v2/settings/integrations",
            json={"values": moved, "revision": 1},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        await queue(api, demo, visitor, "After the move")
        await wait_for(lambda: len(smtp.inbox.messages) == 1)
        assert smtp.inbox.messages[0]["Subject"] == "After the move"
        assert len(own_smtp.inbox.messages) == 1

        listed = await api.get("/api/v2/company/secrets", headers=headers)
        assert "s3cret-smtp-pass" not in listed.text
        (masked,) = [s for s in listed.json()["secrets"] if s["name"] == "smtp_password"]
        assert masked["masked"] != "s3cret-smtp-pass"
        log = await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))
        assert "s3cret-smtp-pass" not in log.text
        changes = [e["payload"] for e in log.json()["events"] if e["type"] == "settings.changed"]
        assert [c["changed"] for c in changes] == [
            ["smtp_from", "smtp_host", "smtp_port", "smtp_security", "smtp_username"],
            ["smtp_port", "smtp_username"],
        ]


async def test_without_a_company_server_the_installation_server_sends(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with serving(mail_settings(settings, smtp.port)) as (runtime, api):
        demo = await seed_demo(runtime.services, settings.data_dir)
        visitor = await visitor_with_contact(api, demo, "fallback", consent=True)
        await queue(api, demo, visitor, "Through the installation")
        await wait_for(lambda: len(smtp.inbox.messages) == 1)
        assert smtp.inbox.messages[0]["From"] == runtime.settings.smtp_from


async def test_a_bad_server_setting_names_its_field(settings: Settings) -> None:
    async with serving(polling(settings)) as (runtime, api):
        demo = await seed_demo(runtime.services, settings.data_dir)
        headers = await admin(api, runtime, demo)
        cases = [
            ({"smtp_host": "mail.acme.example"}, "smtp_from"),
            ({"smtp_from": "Acme <help@acme.example>\r\nBcc: all@x.example"}, "smtp_from"),
            ({"smtp_host": "mail acme"}, "smtp_host"),
            ({"smtp_port": 0}, "smtp_port"),
            ({"smtp_security": "ssl"}, "smtp_security"),
        ]
        for values, field in cases:
            r = await api.put(
                "/api/v2/settings/integrations", json={"values": values}, headers=headers
            )
            assert r.status_code == 422, (values, r.text)
            assert field in r.text, (values, r.text)
