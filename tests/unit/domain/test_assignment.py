from datetime import UTC, datetime, timedelta
from uuid import uuid4

from guiders.domain.agent import Agent, AgentStatus
from guiders.domain.assignment import Candidate, choose_agent, status_on_console_open
from guiders.domain.company import StaffRole

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def agent(
    name: str,
    *,
    status: AgentStatus = AgentStatus.ONLINE,
    seniority: int = 1,
    max_chats: int = 5,
    idle_since: datetime = T0,
) -> Agent:
    return Agent(
        id=uuid4(),
        company_id=uuid4(),
        name=name,
        status=status,
        seniority=seniority,
        max_chats=max_chats,
        last_activity_at=idle_since,
    )


def test_least_workload_wins() -> None:
    a, b = agent("a"), agent("b")
    assert choose_agent([Candidate(a, 3), Candidate(b, 1)]) is b


def test_seniority_breaks_a_workload_tie() -> None:
    junior, senior = agent("junior", seniority=1), agent("senior", seniority=3)
    assert choose_agent([Candidate(junior, 1), Candidate(senior, 1)]) is senior


def test_longest_idle_breaks_a_full_tie() -> None:
    recent = agent("recent", idle_since=T0 + timedelta(minutes=5))
    idle = agent("idle", idle_since=T0)
    assert choose_agent([Candidate(recent, 0), Candidate(idle, 0)]) is idle


def test_busy_offline_and_full_agents_are_not_available() -> None:
    busy = agent("busy", status=AgentStatus.BUSY)
    offline = agent("offline", status=AgentStatus.OFFLINE)
    full = agent("full", max_chats=2)
    assert choose_agent([Candidate(busy, 0), Candidate(offline, 0), Candidate(full, 2)]) is None


def test_most_senior_first_for_vip_visitors() -> None:
    junior, senior = agent("junior", seniority=1), agent("senior", seniority=5)
    assert choose_agent([Candidate(junior, 0), Candidate(senior, 3)], most_senior=True) is senior


def test_agents_and_supervisors_come_online_with_the_console_an_admin_comes_away() -> None:
    assert status_on_console_open(StaffRole.AGENT) is AgentStatus.ONLINE
    assert status_on_console_open(StaffRole.SUPERVISOR) is AgentStatus.ONLINE
    assert status_on_console_open(None) is AgentStatus.ONLINE
    assert status_on_console_open(StaffRole.ADMIN) is AgentStatus.AWAY


def test_an_admin_in_the_console_is_not_given_chats_until_they_choose_online() -> None:
    olga = agent("olga", status=status_on_console_open(StaffRole.ADMIN), seniority=9)
    ben = agent("ben", status=status_on_console_open(StaffRole.AGENT))
    assert choose_agent([Candidate(olga, 0), Candidate(ben, 4)], most_senior=True) is ben
    assert choose_agent([Candidate(olga, 0)]) is None
    olga.status = AgentStatus.ONLINE  # she said she takes chats
    assert choose_agent([Candidate(olga, 0), Candidate(ben, 4)]) is olga
