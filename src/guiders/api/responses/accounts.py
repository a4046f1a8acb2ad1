"""Staff accounts and companies as the API answers them: two-factor sign-in, the company's
sign-in policy and secrets, invitations, and the platform operator's new tenants."""

from __future__ import annotations

from typing import Literal

from guiders.api.responses import Reply


class TotpRequired(Reply):
    """The first step of a two-factor sign-in: send the challenge with a code."""

    totpRequired: Literal[True]
    enrolmentRequired: bool
    challenge: str | None


class TotpEnrolment(Reply):
    secret: str
    otpauthUri: str


class TotpStatus(Reply):
    enabled: bool
    recoveryCodesLeft: int
    requiredForAdmins: bool


class TotpEnabled(Reply):
    enabled: bool
    recoveryCodes: list[str]


class SecurityPolicy(Reply):
    adminsNeedTotp: bool


class MaskedSecret(Reply):
    name: str
    masked: str
    updatedAt: str | None


class SecretList(Reply):
    secrets: list[MaskedSecret]


class SecretValue(Reply):
    name: str
    value: str


class Invitation(Reply):
    token: str
    email: str
    role: str
    expiresAt: str | None
    acceptPath: str
    consoleUrl: str


class StaffMember(Reply):
    id: str
    email: str
    name: str | None
    role: str
    companyId: str


class NewCompany(Reply):
    companyId: str
    name: str
    siteId: str
    domain: str
    siteKey: str
    invitation: Invitation
