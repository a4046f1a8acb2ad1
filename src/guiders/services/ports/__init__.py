"""What the use cases need from the outside world, as small abstract interfaces (ports).

One module per concern: ``repositories`` (and the values they carry), ``unit_of_work`` (one
transaction over them, with its events), ``bus``, ``presence``, ``cache``, ``mail``. Adapters
(``store/``, ``bus/``, ``presence/``, ``cache/``, ``mail/``) implement them and are wired only in
``runtime/``; everything is importable from here.
"""

from guiders.services.ports.agent_tools import (
    CannedRepository,
    ConversationSearch,
    DepartmentRepository,
    SearchHit,
)
from guiders.services.ports.attachments import (
    AttachmentRepository,
    FileStore,
)
from guiders.services.ports.bus import (
    EventBus,
)
from guiders.services.ports.cache import (
    Cache,
)
from guiders.services.ports.mail import (
    MailQueue,
    MailSender,
    QueuedEmail,
    SmtpServer,
)
from guiders.services.ports.presence import (
    PresenceStore,
    Typing,
)
from guiders.services.ports.repositories import (
    SYSTEM,
    Actor,
    AgentRepository,
    AnalysisRepository,
    ChatQuery,
    ChatRepository,
    ConsumerState,
    DeadLetter,
    EventFilter,
    EventGroup,
    EventLog,
    Invitation,
    MessageRepository,
    Page,
    RefreshToken,
    SagaRepository,
    SecurityStore,
    StoredSecret,
    Tenancy,
    TotpEnrolment,
    VisitorRepository,
)
from guiders.services.ports.service_levels import (
    OpenChat,
    SentMessage,
    ServiceLevelStore,
)
from guiders.services.ports.settings import (
    SettingsStore,
    StoredSection,
)
from guiders.services.ports.unit_of_work import (
    AfterCommit,
    UnitOfWork,
    UnitOfWorkFactory,
    correlation_id_var,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "AfterCommit",
    "AgentRepository",
    "AnalysisRepository",
    "AttachmentRepository",
    "Cache",
    "CannedRepository",
    "ChatQuery",
    "ChatRepository",
    "ConsumerState",
    "ConversationSearch",
    "DeadLetter",
    "DepartmentRepository",
    "EventBus",
    "EventFilter",
    "EventGroup",
    "EventLog",
    "FileStore",
    "Invitation",
    "MailQueue",
    "MailSender",
    "MessageRepository",
    "OpenChat",
    "Page",
    "PresenceStore",
    "QueuedEmail",
    "RefreshToken",
    "SagaRepository",
    "SearchHit",
    "SecurityStore",
    "SentMessage",
    "ServiceLevelStore",
    "SettingsStore",
    "SmtpServer",
    "StoredSecret",
    "StoredSection",
    "Tenancy",
    "TotpEnrolment",
    "Typing",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "VisitorRepository",
    "correlation_id_var",
]
