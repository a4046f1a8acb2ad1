"""The demo tenant that ``guiders up`` seeds: one company, a localhost site, three agents and
an admin (kept apart from ``staff``: whoever tries the demo can open Settings, and what reads the
agents, such as routing checks, sees the same three), and the demo shop's help pages as
knowledge sources, so the bot's answers in the demo cite documents (docs/knowledge.md)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any
from uuid import UUID

from guiders.config import Settings
from guiders.domain.company import StaffRole
from guiders.services.access import Principal, PrincipalKind
from guiders.services.container import Services
from guiders.services.credentials import key_is_well_formed
from guiders.services.knowledge import UploadedFile

CREDENTIALS_FILE = "demo-credentials.json"
BUYING_GUIDE_URL = "/buying-guide"
"""The demo shop's buying guide page (``web/src/buying-guide.html``, served by ``web/site.py``)."""
DOCUMENTS = Path(__file__).parent / "demo_documents"
_DOCUMENT_SOURCES = [("en", "Demo Shop help"), ("es", "Ayuda de Demo Shop")]
"""One upload source per language, of the files ``DOCUMENTS/*.<language>.md``."""
_STAFF = [
    ("ana@demo.guiders.local", "Ana García", StaffRole.SUPERVISOR, 3),
    ("ben@demo.guiders.local", "Ben Turner", StaffRole.AGENT, 2),
    ("carla@demo.guiders.local", "Carla Ruiz", StaffRole.AGENT, 1),
]
_ADMIN = ("olga@demo.guiders.local", "Olga Admin")


def with_demo_content(settings: Settings) -> Settings:
    """The settings ``guiders up`` serves with: the nurturing card's "Read more" leads to the demo
    shop's buying guide, unless GUIDERS_NURTURING_CONTENT_URL names another page. Only the demo:
    ``guiders serve`` keeps the setting as it is, since there the widget is on the customer's
    own site and a path of ours would lead nowhere."""
    if settings.nurturing_content_url:
        return settings
    return settings.model_copy(update={"nurturing_content_url": BUYING_GUIDE_URL})


async def seed_demo(services: Services, data_dir: Path) -> dict[str, Any]:
    """Creates the demo tenant once; later runs read back the credentials file."""
    path = data_dir / CREDENTIALS_FILE
    if path.exists():
        loaded: dict[str, Any] = json.loads(path.read_text())
        if not key_is_well_formed(loaded["integrationKey"]):
            # made before keys had a checksum: the server refuses it now, so make a new one
            key, _ = await services.tenancy.create_api_key(UUID(loaded["companyId"]), "Guiders AI")
            loaded["integrationKey"] = key
            _write_private(path, loaded)
        if "admin" not in loaded:
            # made before the demo had an admin
            loaded["admin"] = await _add_admin(services, UUID(loaded["companyId"]))
            _write_private(path, loaded)
        return loaded
    company = await services.tenancy.create_company("Demo Shop")
    site = await services.tenancy.add_site(
        company.id, name="Demo shop", domain="localhost", aliases=["127.0.0.1"]
    )
    key, _ = await services.tenancy.create_api_key(company.id, "Guiders AI")
    staff = []
    for email, name, role, seniority in _STAFF:
        password = secrets.token_urlsafe(9)
        user = await services.tenancy.add_staff(
            company.id, email=email, name=name, role=role, password=password, seniority=seniority
        )
        staff.append(
            {
                "email": email,
                "password": password,
                "role": role.value,
                "commercialId": str(user.id),
                "name": name,
            }
        )
    credentials = {
        "companyId": str(company.id),
        "siteKey": site.site_key,
        "domain": site.domain,
        "integrationKey": key,
        "staff": staff,
        "admin": await _add_admin(services, company.id),
    }
    _write_private(path, credentials)
    return credentials


async def _add_admin(services: Services, company_id: UUID) -> dict[str, Any]:
    email, name = _ADMIN
    password = secrets.token_urlsafe(9)
    user = await services.tenancy.add_staff(
        company_id, email=email, name=name, role=StaffRole.ADMIN, password=password
    )
    return {
        "email": email,
        "password": password,
        "role": StaffRole.ADMIN.value,
        "commercialId": str(user.id),
        "name": name,
    }


async def seed_demo_documents(
    services: Services, data_dir: Path, credentials: dict[str, Any]
) -> list[str]:
    """Adds the demo shop's help pages (shipping, returns, prices; English and Spanish) once,
    through the path the console's upload takes (``KnowledgeService.add_upload`` as the demo's
    admin: stored ``queued``, then read and indexed by the ingestion worker in the background).
    The source ids go into the credentials file, so a restart, or an admin who removed them,
    is not given them again. Only ``guiders up`` calls it: tests that seed the demo tenant
    add their own documents."""
    if "documents" in credentials:
        return list(credentials["documents"])
    admin = credentials["admin"]
    principal = Principal(
        kind=PrincipalKind.STAFF,
        company_id=UUID(credentials["companyId"]),
        subject_id=UUID(admin["commercialId"]),
        role=StaffRole.ADMIN,
        name=admin.get("name"),
    )
    ids = []
    for language, name in _DOCUMENT_SOURCES:
        files = [
            UploadedFile(path.name, "text/markdown", path.read_bytes())
            for path in sorted(DOCUMENTS.glob(f"*.{language}.md"))
        ]
        source = await services.knowledge.add_upload(principal, name, files)
        ids.append(str(source.id))
    credentials["documents"] = ids
    _write_private(data_dir / CREDENTIALS_FILE, credentials)
    return ids


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Mode 0600 from the start: the file holds passwords and a secret key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
