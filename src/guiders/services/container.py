"""Wires the use cases to one unit-of-work factory; built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from guiders.domain.strategy import NurturingContent, StrategyConfig
from guiders.services.agents import AgentService
from guiders.services.analytics import AnalyticsService
from guiders.services.availability import AvailabilityService
from guiders.services.bot_identity import BotIdentity
from guiders.services.canned import CannedService
from guiders.services.chat_mail import ChatMailConfig, ChatMailService
from guiders.services.chats import DEFAULT_MAX_OPEN_CHATS_PER_VISITOR, ChatService
from guiders.services.company_secrets import CompanySecretService
from guiders.services.credentials import TokenService
from guiders.services.departments import DepartmentService
from guiders.services.handoff import HandoffService
from guiders.services.handoff_desk import SagaRecords
from guiders.services.knowledge import KnowledgeService
from guiders.services.liveness import Liveness
from guiders.services.login import LoginService
from guiders.services.mail_replies import ChatMailer
from guiders.services.messages import MessageService
from guiders.services.onboarding import OnboardingService
from guiders.services.outgoing_mail import OutgoingMailService
from guiders.services.password_hashing import PasswordHashing
from guiders.services.ports import Cache, UnitOfWorkFactory
from guiders.services.privacy import PrivacyService
from guiders.services.roster import Roster
from guiders.services.sagas import ConsumerService, SagaService
from guiders.services.secret_box import SecretBox
from guiders.services.settings import SettingsService
from guiders.services.strategies import MailTemplate
from guiders.services.team import TeamService
from guiders.services.tenancy import TenancyService
from guiders.services.transfers import TransferService
from guiders.services.two_factor import TwoFactorService
from guiders.services.visitors import VisitorService
from guiders.services.webhooks import WebhookLog

DEFAULT_STRATEGY = StrategyConfig(
    content=NurturingContent(title="Our buying guide", body="Compare the options side by side.")
)
DEFAULT_TEMPLATE = MailTemplate(subject="Still deciding?", body="Hello {name},\n")


@dataclass(frozen=True, slots=True)
class Services:
    uow: UnitOfWorkFactory
    tokens: TokenService
    tenancy: TenancyService
    visitors: VisitorService
    login: LoginService
    chats: ChatService
    messages: MessageService
    agents: AgentService
    analytics: AnalyticsService
    sagas: SagaService
    handoff: HandoffService
    consumers: ConsumerService
    outgoing_mail: OutgoingMailService
    knowledge: KnowledgeService
    onboarding: OnboardingService
    secrets: CompanySecretService
    settings: SettingsService
    chat_mail: ChatMailService
    mailer: ChatMailer
    canned: CannedService
    departments: DepartmentService
    transfers: TransferService
    team: TeamService
    webhooks: WebhookLog
    privacy: PrivacyService
    availability: AvailabilityService

    @classmethod
    def build(
        cls,
        uow: UnitOfWorkFactory,
        tokens: TokenService,
        box: SecretBox,
        *,
        strategy: StrategyConfig = DEFAULT_STRATEGY,
        mail_template: MailTemplate = DEFAULT_TEMPLATE,
        cache: Cache | None = None,
        profile_ttl_s: float = 0.0,
        hash_concurrency: int = 2,
        chat_mail: ChatMailConfig | None = None,
        liveness: Liveness | None = None,
        max_open_chats_per_visitor: int = DEFAULT_MAX_OPEN_CHATS_PER_VISITOR,
    ) -> Services:
        visitors = VisitorService(uow)
        settings = SettingsService(uow)
        roster = Roster(liveness, settings)
        identity = BotIdentity(settings)
        chats = ChatService(
            uow, roster, max_open_per_visitor=max_open_chats_per_visitor, identity=identity
        )
        messages = MessageService(uow, identity)
        addresses = ChatMailService(uow, chat_mail or ChatMailConfig(secret=tokens.mail_secret))
        tenancy = TenancyService(uow, tokens)
        hashing = PasswordHashing(concurrency=hash_concurrency)
        analytics = AnalyticsService(
            uow, strategy, mail_template, cache, profile_ttl_s, liveness=liveness, identity=identity
        )
        agents = AgentService(uow, roster)
        availability = AvailabilityService(uow, settings, agents)
        agents.changed_hooks.append(availability.forget)
        return cls(
            uow=uow,
            tokens=tokens,
            tenancy=tenancy,
            visitors=visitors,
            login=LoginService(uow, tokens, visitors, hashing, TwoFactorService(uow, box)),
            chats=chats,
            messages=messages,
            agents=agents,
            analytics=analytics,
            sagas=SagaService(uow),
            handoff=HandoffService(uow, SagaRecords(uow)),
            consumers=ConsumerService(uow),
            outgoing_mail=OutgoingMailService(uow),
            knowledge=KnowledgeService(uow),
            onboarding=OnboardingService(uow, tenancy),
            secrets=CompanySecretService(uow, box),
            chat_mail=addresses,
            mailer=ChatMailer(uow, addresses, messages, chats),
            canned=CannedService(uow),
            departments=DepartmentService(uow),
            transfers=TransferService(uow),
            settings=settings,
            team=TeamService(uow, tenancy, tokens.standing.forget),
            webhooks=WebhookLog(uow),
            privacy=PrivacyService(uow, [analytics.forget_prediction]),
            availability=availability,
        )
