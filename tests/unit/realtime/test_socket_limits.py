"""A socket's event budget and the caps on visitor sockets: constant memory, exact bounds."""

from __future__ import annotations

from uuid import uuid4

from guiders.realtime.socket_limits import SocketCaps, TokenBucket, event_budget
from guiders.services.access import Principal, PrincipalKind


def principal(kind: PrincipalKind = PrincipalKind.VISITOR) -> Principal:
    return Principal(kind=kind, company_id=uuid4(), subject_id=uuid4())


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(capacity=3, rate=2.0, updated=100.0)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(100.4) is False  # 0.8 of a token
    assert bucket.take(100.5) is True
    assert [bucket.take(1000.0) for _ in range(4)] == [True, True, True, False]  # capped


def test_visitors_get_a_small_budget_staff_and_keys_a_large_one() -> None:
    small = event_budget(principal())
    large = event_budget(principal(PrincipalKind.INTEGRATION))
    assert small.capacity < 100 <= 1000 < large.capacity


def test_a_visitor_has_at_most_its_sockets_and_a_closed_one_frees_a_place() -> None:
    caps = SocketCaps(per_visitor=2, per_address=10)
    ana = principal()
    assert caps.admit(ana, "1.2.3.4") is None
    assert caps.admit(ana, "1.2.3.4") is None
    assert caps.admit(ana, "1.2.3.4") == "Too many open sockets for this visitor"
    caps.release(ana, "1.2.3.4")
    assert caps.admit(ana, "5.6.7.8") is None
    assert caps.open_for(ana.subject_id) == 2


def test_an_address_has_at_most_its_visitor_sockets_and_the_counts_are_forgotten() -> None:
    caps = SocketCaps(per_visitor=5, per_address=3)
    visitors = [principal() for _ in range(4)]
    assert [caps.admit(v, "9.9.9.9") for v in visitors[:3]] == [None, None, None]
    assert caps.admit(visitors[3], "9.9.9.9") == "Too many open sockets from this address"
    assert caps.open_for(visitors[3].subject_id) == 0  # a refusal is not counted
    for v in visitors[:3]:
        caps.release(v, "9.9.9.9")
    assert not caps._visitors and not caps._addresses


def test_staff_and_keys_are_not_capped() -> None:
    caps = SocketCaps(per_visitor=1, per_address=1)
    agent = principal(PrincipalKind.STAFF)
    assert [caps.admit(agent, "1.1.1.1") for _ in range(5)] == [None] * 5
    caps.release(agent, "1.1.1.1")
    assert not caps._addresses
